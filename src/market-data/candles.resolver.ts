import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { EnqueuedJobDto } from '../queue/dto/job.dto';
import { Access } from '../auth/access.decorator';
import { HeavyRequest, limitOver } from '../common/overload-heavy-requests';
import { CandlesService } from './candles.service';
import { BackfillDto, CandlePageDto, CandlesArgs } from './dto/candles.dto';

@Resolver()
export class CandlesResolver {
  constructor(private readonly service: CandlesService) {}

  @Query(() => CandlePageDto, { description: 'Candles of a market, ascending, paged by cursor' })
  @Access('public-read')
  @HeavyRequest(limitOver(500))
  candles(@Args() args: CandlesArgs): Promise<CandlePageDto> {
    const { symbol, ...query } = args;
    return this.service.getCandles(symbol, query);
  }

  @Mutation(() => EnqueuedJobDto, {
    description: 'Backfill one market and range from the exchange, in the background (admin)',
  })
  @Access('admin')
  backfill(@Args('input') input: BackfillDto): Promise<EnqueuedJobDto> {
    return this.service.requestBackfill(input);
  }
}
