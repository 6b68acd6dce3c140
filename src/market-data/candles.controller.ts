import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { CandlesService } from './candles.service';
import { CandlePageDto, CandlesQueryDto, MarketDto } from './dto/candles.dto';

@ApiTags('market data')
@Controller()
export class CandlesController {
  constructor(private readonly candles: CandlesService) {}

  @Get('candles/:symbol')
  @Access('public-read')
  @ApiOperation({ summary: 'Candles of a market, ascending; page with nextCursor. Symbol: BTC, BTCUSDT or BTC-USDT' })
  @ApiOkResponse({ type: CandlePageDto })
  list(@Param('symbol') symbol: string, @Query() query: CandlesQueryDto): Promise<CandlePageDto> {
    return this.candles.getCandles(symbol, query);
  }

  @Get('markets')
  @Access('public-read')
  @ApiOperation({ summary: 'Every configured market and interval: first and last candle, count, missing candles' })
  @ApiOkResponse({ type: [MarketDto] })
  markets(): Promise<MarketDto[]> {
    return this.candles.getMarkets();
  }
}
