import { Query, Resolver } from '@nestjs/graphql';
import { Access } from '../auth/access.decorator';
import { CandlesService } from './candles.service';
import { MarketDto } from './dto/candles.dto';

@Resolver()
export class MarketsResolver {
  constructor(private readonly service: CandlesService) {}

  @Query(() => [MarketDto], {
    description: 'Every configured market and interval with its stored range',
  })
  @Access('public-read')
  markets(): Promise<MarketDto[]> {
    return this.service.getMarkets();
  }
}
