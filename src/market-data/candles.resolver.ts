import { Args, Query, Resolver } from '@nestjs/graphql';
import { Access } from '../auth/access.decorator';
import { CandlesService } from './candles.service';
import { CandlePageDto, CandlesQueryDto, MarketDto } from './dto/candles.dto';

@Resolver()
export class CandlesResolver {
  constructor(private readonly service: CandlesService) {}

  @Query(() => CandlePageDto, { description: 'Candles of a market, ascending, paged by cursor' })
  @Access('public-read')
  candles(@Args('symbol') symbol: string, @Args() query: CandlesQueryDto): Promise<CandlePageDto> {
    return this.service.getCandles(symbol, query);
  }

  @Query(() => [MarketDto], { description: 'Every configured market and interval with its stored range' })
  @Access('public-read')
  markets(): Promise<MarketDto[]> {
    return this.service.getMarkets();
  }
}
