import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Access } from '../auth/access.decorator';
import {
  CreateStrategyDto,
  EvaluateStrategyDto,
  SignalDto,
  SignalHistoryArgs,
  SignalsArgs,
  StrategyDto,
  UpdateStrategyDto,
} from './dto/strategy.dto';
import { BacktestsService } from './backtests.service';
import {
  BacktestDto,
  BacktestRunDto,
  BacktestSummaryDto,
  BacktestsQueryDto,
  CreateBacktestDto,
} from './dto/backtest.dto';
import { StrategiesService } from './strategies.service';

@Resolver()
export class StrategiesResolver {
  constructor(
    private readonly service: StrategiesService,
    private readonly backtests: BacktestsService,
  ) {}

  @Mutation(() => BacktestRunDto, {
    description: 'Backtest a strategy over stored candles with fees, in the background',
  })
  @Access('client')
  runBacktest(@Args('input') input: CreateBacktestDto): Promise<BacktestRunDto> {
    return this.backtests.create(input);
  }

  @Query(() => BacktestDto, {
    description: 'A backtest: status, metrics next to buy-and-hold, equity curve',
  })
  @Access('client')
  backtest(@Args('id') id: string): Promise<BacktestDto> {
    return this.backtests.get(id);
  }

  @Query(() => [BacktestSummaryDto], {
    name: 'backtests',
    description:
      'Backtests newest first (of a strategy version and a market when given), without curves and trades; page with before',
  })
  @Access('client')
  listBacktests(@Args() args: BacktestsQueryDto): Promise<BacktestSummaryDto[]> {
    return this.backtests.list(args);
  }

  @Query(() => [SignalDto], {
    description: 'The latest decision of each active strategy for a market',
  })
  @Access('public-read')
  signals(@Args() args: SignalsArgs): Promise<SignalDto[]> {
    const { symbol, ...query } = args;
    return this.service.latest(symbol, query);
  }

  @Query(() => [SignalDto], { description: 'Past decisions for a market, newest first' })
  @Access('public-read')
  signalHistory(@Args() args: SignalHistoryArgs): Promise<SignalDto[]> {
    const { symbol, ...query } = args;
    return this.service.history(symbol, query);
  }

  @Query(() => [StrategyDto], { description: 'Every strategy version' })
  @Access('client')
  strategies(): Promise<StrategyDto[]> {
    return this.service.list();
  }

  @Query(() => StrategyDto, {
    description: 'One strategy version (id), or the active version of a name',
  })
  @Access('client')
  strategy(@Args('id') id: string): Promise<StrategyDto> {
    return this.service.get(id);
  }

  @Mutation(() => SignalDto, { description: 'Dry run of a strategy on the latest data' })
  @Access('client')
  evaluateStrategy(
    @Args('id') id: string,
    @Args('input') input: EvaluateStrategyDto,
  ): Promise<SignalDto> {
    return this.service.evaluate(id, input);
  }

  @Mutation(() => StrategyDto, { description: 'Create a strategy (admin)' })
  @Access('admin')
  createStrategy(@Args('input') input: CreateStrategyDto): Promise<StrategyDto> {
    return this.service.create(input);
  }

  @Mutation(() => StrategyDto, { description: 'A new version of a strategy (admin)' })
  @Access('admin')
  updateStrategy(
    @Args('id') id: string,
    @Args('input') input: UpdateStrategyDto,
  ): Promise<StrategyDto> {
    return this.service.update(id, input);
  }
}
