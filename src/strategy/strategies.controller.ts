import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { BacktestsService } from './backtests.service';
import {
  BacktestDto,
  BacktestRunDto,
  BacktestSummaryDto,
  BacktestTradeDto,
  BacktestsQueryDto,
  CreateBacktestDto,
} from './dto/backtest.dto';
import { Access } from '../auth/access.decorator';
import { CachedRead } from '../common/cached-read.interceptor';
import { HeavyRequest } from '../common/overload-heavy-requests';
import {
  CreateStrategyDto,
  EvaluateStrategyDto,
  SignalDto,
  SignalHistoryQueryDto,
  SignalsQueryDto,
  StrategyDto,
  UpdateStrategyDto,
} from './dto/strategy.dto';
import { StrategiesService } from './strategies.service';
import { OffsetPageQueryDto } from '../common/offset-page.dto';

@ApiTags('strategies and signals')
@Controller()
export class StrategiesController {
  constructor(
    private readonly strategies: StrategiesService,
    private readonly backtests: BacktestsService,
  ) {}

  @Post('backtests')
  @HttpCode(202)
  @Access('client')
  @HeavyRequest()
  @ApiOperation({
    summary:
      'Backtest a strategy over stored candles (and live predictions) with fees; follow GET /backtests/{id}',
  })
  @ApiAcceptedResponse({ type: BacktestRunDto })
  runBacktest(@Body() body: CreateBacktestDto): Promise<BacktestRunDto> {
    return this.backtests.create(body);
  }

  @Get('backtests')
  @Access('client')
  @ApiOperation({
    summary:
      'Backtests newest first (of a strategy version and a market when given), without curves and trades; page with before = the last createdAt',
  })
  @ApiOkResponse({ type: [BacktestSummaryDto] })
  listBacktests(@Query() query: BacktestsQueryDto): Promise<BacktestSummaryDto[]> {
    return this.backtests.list(query);
  }

  @Get('backtests/:id')
  @Access('client')
  @ApiOperation({ summary: 'A backtest: status, metrics next to buy-and-hold, equity curve' })
  @ApiOkResponse({ type: BacktestDto })
  backtest(@Param('id') id: string): Promise<BacktestDto> {
    return this.backtests.get(id);
  }

  @Get('backtests/:id/trades')
  @Access('client')
  @ApiOperation({ summary: 'The trades of a backtest, in order' })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ type: [BacktestTradeDto] })
  backtestTrades(@Param('id') id: string, @Query() page: OffsetPageQueryDto): Promise<unknown[]> {
    return this.backtests.trades(id, page);
  }

  @Get('signals/:symbol')
  @Access('public-read')
  @CachedRead({ until: 'next-close' })
  @ApiOperation({
    summary:
      'The latest decision (BUY, SELL or HOLD) of each active strategy for a market, with its reasons',
  })
  @ApiOkResponse({ type: [SignalDto] })
  latest(@Param('symbol') symbol: string, @Query() query: SignalsQueryDto): Promise<SignalDto[]> {
    return this.strategies.latest(symbol, query);
  }

  @Get('signals/:symbol/history')
  @Access('public-read')
  @ApiOperation({ summary: 'Past decisions for a market, newest first' })
  @ApiOkResponse({ type: [SignalDto] })
  history(
    @Param('symbol') symbol: string,
    @Query() query: SignalHistoryQueryDto,
  ): Promise<SignalDto[]> {
    return this.strategies.history(symbol, query);
  }

  @Get('strategies')
  @Access('client')
  @ApiOperation({ summary: 'Every strategy version, newest version first per name' })
  @ApiOkResponse({ type: [StrategyDto] })
  list(): Promise<StrategyDto[]> {
    return this.strategies.list();
  }

  @Get('strategies/:id')
  @Access('client')
  @ApiOperation({ summary: 'One strategy version (id), or the active version of a name' })
  @ApiOkResponse({ type: StrategyDto })
  get(@Param('id') id: string): Promise<StrategyDto> {
    return this.strategies.get(id);
  }

  @Post('strategies/:id/evaluate')
  @HttpCode(200)
  @Access('client')
  @ApiOperation({
    summary:
      'Dry run: the decision the strategy would take now for a market, without writing a signal',
  })
  @ApiOkResponse({ type: SignalDto })
  evaluate(@Param('id') id: string, @Body() body: EvaluateStrategyDto): Promise<SignalDto> {
    return this.strategies.evaluate(id, body);
  }

  @Post('admin/strategies')
  @Access('admin')
  @ApiOperation({
    summary:
      'Create a strategy (version 1); invalid rules get a 400 naming the rule and the problem',
  })
  @ApiCreatedResponse({ type: StrategyDto })
  create(@Body() body: CreateStrategyDto): Promise<StrategyDto> {
    return this.strategies.create(body);
  }

  @Put('admin/strategies/:id')
  @Access('admin')
  @ApiOperation({
    summary:
      'A new version of the strategy; it becomes the active one (signals keep their version)',
  })
  @ApiOkResponse({ type: StrategyDto })
  update(@Param('id') id: string, @Body() body: UpdateStrategyDto): Promise<StrategyDto> {
    return this.strategies.update(id, body);
  }
}
