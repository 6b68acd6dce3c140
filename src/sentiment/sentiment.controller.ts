import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import {
  LatestSentimentDto,
  SentimentDto,
  SentimentQueryDto,
  SentimentSourceDto,
} from './dto/sentiment.dto';
import { SentimentService } from './sentiment.service';

@ApiTags('sentiment')
@Controller('sentiment')
@Access('public-read')
export class SentimentController {
  constructor(private readonly sentiment: SentimentService) {}

  @Get('sources')
  @ApiOperation({
    summary:
      'Each sentiment source: enabled or why not, rate-limit pause, last poll and error, stored series',
  })
  @ApiOkResponse({ type: [SentimentSourceDto] })
  sources(): Promise<SentimentSourceDto[]> {
    return this.sentiment.getSources();
  }

  @Get(':symbol')
  @ApiOperation({
    summary:
      'Sentiment series of a coin (LunarCrush, hourly) and the market-wide ones (Fear & Greed, daily), ascending. Symbol: BTC, or MARKET',
  })
  @ApiOkResponse({ type: SentimentDto })
  series(
    @Param('symbol') symbol: string,
    @Query() query: SentimentQueryDto,
  ): Promise<SentimentDto> {
    return this.sentiment.getSentiment(symbol, query);
  }

  @Get(':symbol/latest')
  @ApiOperation({
    summary: 'The newest point of each series for a coin, with how long it has been known',
  })
  @ApiOkResponse({ type: [LatestSentimentDto] })
  latest(@Param('symbol') symbol: string): Promise<LatestSentimentDto[]> {
    return this.sentiment.getLatest(symbol);
  }
}
