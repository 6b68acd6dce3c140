import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { OffsetPageQueryDto } from '../common/offset-page.dto';
import { OperationIdPrefix } from '../common/openapi-errors';
import { HeavyRequest } from '../common/overload-heavy-requests';
import { BacktestsService } from './backtests.service';
import {
  BacktestDto,
  BacktestRunDto,
  BacktestSummaryDto,
  BacktestTradeDto,
  BacktestsQueryDto,
  CreateBacktestDto,
} from './dto/backtest.dto';

@ApiTags('strategies and signals')
@OperationIdPrefix('Strategies')
@Controller('backtests')
@Access('client')
export class BacktestsController {
  constructor(private readonly backtests: BacktestsService) {}

  @Post()
  @HttpCode(202)
  @HeavyRequest()
  @ApiOperation({
    summary:
      'Backtest a strategy over stored candles (and live predictions) with fees; follow GET /backtests/{id}',
  })
  @ApiAcceptedResponse({ type: BacktestRunDto })
  runBacktest(@Body() body: CreateBacktestDto): Promise<BacktestRunDto> {
    return this.backtests.create(body);
  }

  @Get()
  @ApiOperation({
    summary:
      'Backtests newest first (of a strategy version and a market when given), without curves and trades; page with before = the last createdAt',
  })
  @ApiOkResponse({ type: [BacktestSummaryDto] })
  listBacktests(@Query() query: BacktestsQueryDto): Promise<BacktestSummaryDto[]> {
    return this.backtests.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A backtest: status, metrics next to buy-and-hold, equity curve' })
  @ApiOkResponse({ type: BacktestDto })
  backtest(@Param('id') id: string): Promise<BacktestDto> {
    return this.backtests.get(id);
  }

  @Get(':id/trades')
  @ApiOperation({ summary: 'The trades of a backtest, in order' })
  @ApiQuery({ name: 'offset', required: false, type: Number })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiOkResponse({ type: [BacktestTradeDto] })
  backtestTrades(@Param('id') id: string, @Query() page: OffsetPageQueryDto): Promise<unknown[]> {
    return this.backtests.trades(id, page);
  }
}
