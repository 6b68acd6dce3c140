import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { OperationIdPrefix } from '../common/openapi-errors';
import { CandlesService } from './candles.service';
import { MarketDto } from './dto/candles.dto';

@ApiTags('market data')
@OperationIdPrefix('Candles')
@Controller('markets')
export class MarketsController {
  constructor(private readonly candles: CandlesService) {}

  @Get()
  @Access('public-read')
  @ApiOperation({
    summary:
      'Every configured market and interval: first and last candle, count, missing candles, known gaps, live stream state and lag',
  })
  @ApiOkResponse({ type: [MarketDto] })
  markets(): Promise<MarketDto[]> {
    return this.candles.getMarkets();
  }
}
