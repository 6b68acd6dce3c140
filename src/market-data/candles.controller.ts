import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { CachedRead } from '../common/cached-read.interceptor';
import { HeavyRequest, limitOver } from '../common/overload-heavy-requests';
import { CandlesService } from './candles.service';
import { CandlePageDto, CandlesQueryDto } from './dto/candles.dto';

@ApiTags('market data')
@Controller('candles')
export class CandlesController {
  constructor(private readonly candles: CandlesService) {}

  @Get(':symbol')
  @Access('public-read')
  @HeavyRequest(limitOver(500))
  @CachedRead({ until: 'immutable-if-closed' })
  @ApiOperation({
    summary:
      'Candles of a market, ascending; page with nextCursor. Symbol: BTC, BTCUSDT or BTC-USDT',
  })
  @ApiOkResponse({ type: CandlePageDto })
  list(@Param('symbol') symbol: string, @Query() query: CandlesQueryDto): Promise<CandlePageDto> {
    return this.candles.getCandles(symbol, query);
  }
}
