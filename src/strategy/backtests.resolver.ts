import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Access } from '../auth/access.decorator';
import { HeavyRequest } from '../common/overload-heavy-requests';
import { BacktestsService } from './backtests.service';
import {
  BacktestDto,
  BacktestRunDto,
  BacktestSummaryDto,
  BacktestsQueryDto,
  CreateBacktestDto,
} from './dto/backtest.dto';

@Resolver()
@Access('client')
export class BacktestsResolver {
  constructor(private readonly backtests: BacktestsService) {}

  @Mutation(() => BacktestRunDto, {
    description: 'Backtest a strategy over stored candles with fees, in the background',
  })
  @HeavyRequest()
  runBacktest(@Args('input') input: CreateBacktestDto): Promise<BacktestRunDto> {
    return this.backtests.create(input);
  }

  @Query(() => BacktestDto, {
    description: 'A backtest: status, metrics next to buy-and-hold, equity curve',
  })
  backtest(@Args('id', { type: () => ID }) id: string): Promise<BacktestDto> {
    return this.backtests.get(id);
  }

  @Query(() => [BacktestSummaryDto], {
    name: 'backtests',
    description:
      'Backtests newest first (of a strategy version and a market when given), without curves and trades; page with before',
  })
  listBacktests(@Args() args: BacktestsQueryDto): Promise<BacktestSummaryDto[]> {
    return this.backtests.list(args);
  }
}
