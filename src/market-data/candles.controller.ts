import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EnqueuedJobDto } from '../queue/dto/job.dto';
import { Access } from '../auth/access.decorator';
import { CachedRead } from '../common/cached-read.interceptor';
import { HeavyRequest, numericQuery } from '../common/overload-heavy-requests';
import { CandlesService } from './candles.service';
import { BackfillDto, CandlePageDto, CandlesQueryDto, MarketDto } from './dto/candles.dto';

@ApiTags('market data')
@Controller()
export class CandlesController {
  constructor(private readonly candles: CandlesService) {}

  @Get('candles/:symbol')
  @Access('public-read')
  @HeavyRequest({ when: (query) => (numericQuery(query.limit) ?? 500) > 500 })
  @CachedRead({ until: 'immutable-if-closed' })
  @ApiOperation({
    summary:
      'Candles of a market, ascending; page with nextCursor. Symbol: BTC, BTCUSDT or BTC-USDT',
  })
  @ApiOkResponse({ type: CandlePageDto })
  list(@Param('symbol') symbol: string, @Query() query: CandlesQueryDto): Promise<CandlePageDto> {
    return this.candles.getCandles(symbol, query);
  }

  @Get('markets')
  @Access('public-read')
  @ApiOperation({
    summary:
      'Every configured market and interval: first and last candle, count, missing candles, known gaps, live stream state and lag',
  })
  @ApiOkResponse({ type: [MarketDto] })
  markets(): Promise<MarketDto[]> {
    return this.candles.getMarkets();
  }

  @Post('admin/backfill')
  @HttpCode(202)
  @Access('admin')
  @ApiOperation({
    summary:
      'Backfill one market and range from the exchange, in the background; follow the job with GET /jobs/{jobId}',
  })
  @ApiAcceptedResponse({ type: EnqueuedJobDto })
  backfill(@Body() body: BackfillDto): Promise<EnqueuedJobDto> {
    return this.candles.requestBackfill(body);
  }
}
