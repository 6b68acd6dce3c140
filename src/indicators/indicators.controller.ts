import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { CachedRead } from '../common/cached-read.interceptor';
import { HeavyRequest, limitOver } from '../common/overload-heavy-requests';
import {
  IndicatorDescriptionDto,
  IndicatorsDto,
  IndicatorsLatestQueryDto,
  IndicatorsQueryDto,
  LatestIndicatorsDto,
} from './dto/indicators.dto';
import { IndicatorsService } from './indicators.service';

@ApiTags('indicators')
@Controller('indicators')
export class IndicatorsController {
  constructor(private readonly indicators: IndicatorsService) {}

  @Get()
  @Access('public-read')
  @ApiOperation({
    summary:
      'The indicator catalogue: names, parameters with defaults and ranges, outputs, warm-up',
  })
  @ApiOkResponse({ type: [IndicatorDescriptionDto] })
  catalogue(): IndicatorDescriptionDto[] {
    return this.indicators.getCatalogue();
  }

  @Get(':symbol')
  @Access('public-read')
  // The default page (500 candles and the seed before them) counts; small ones do not.
  @HeavyRequest(limitOver(200))
  @ApiOperation({
    summary:
      'Indicator series aligned with candle times (names=rsi:14,macd:12,26,9,bb:20,2). Earlier candles are loaded so values start at the first candle shown',
  })
  @ApiOkResponse({ type: IndicatorsDto })
  series(
    @Param('symbol') symbol: string,
    @Query() query: IndicatorsQueryDto,
  ): Promise<IndicatorsDto> {
    return this.indicators.getIndicators(symbol, query);
  }

  @Get(':symbol/latest')
  @Access('public-read')
  @CachedRead({ until: 'next-close' })
  @ApiOperation({
    summary: 'Indicator values on the last closed candle (kept live by the workers)',
  })
  @ApiOkResponse({ type: LatestIndicatorsDto })
  latest(
    @Param('symbol') symbol: string,
    @Query() query: IndicatorsLatestQueryDto,
  ): Promise<LatestIndicatorsDto> {
    return this.indicators.getLatest(symbol, query);
  }
}
