import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EnqueuedJobDto } from '../queue/dto/job.dto';
import { Access } from '../auth/access.decorator';
import {
  LatestSentimentDto,
  SentimentDto,
  SentimentQueryDto,
  SentimentSourceDto,
} from './dto/sentiment.dto';
import { SentimentService } from './sentiment.service';

@ApiTags('sentiment')
@Controller()
export class SentimentController {
  constructor(private readonly sentiment: SentimentService) {}

  @Post('admin/sentiment/:source/poll')
  @HttpCode(202)
  @Access('admin')
  @ApiOperation({
    summary:
      'Poll a sentiment source now (lunarcrush or fear-greed); follow the job with GET /jobs/{jobId}',
  })
  @ApiAcceptedResponse({ type: EnqueuedJobDto })
  poll(@Param('source') source: string): Promise<EnqueuedJobDto> {
    return this.sentiment.requestPoll(source);
  }

  @Get('sentiment/sources')
  @Access('public-read')
  @ApiOperation({
    summary:
      'Each sentiment source: enabled or why not, rate-limit pause, last poll and error, stored series',
  })
  @ApiOkResponse({ type: [SentimentSourceDto] })
  sources(): Promise<SentimentSourceDto[]> {
    return this.sentiment.getSources();
  }

  @Get('sentiment/:symbol')
  @Access('public-read')
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

  @Get('sentiment/:symbol/latest')
  @Access('public-read')
  @ApiOperation({
    summary: 'The newest point of each series for a coin, with how long it has been known',
  })
  @ApiOkResponse({ type: [LatestSentimentDto] })
  latest(@Param('symbol') symbol: string): Promise<LatestSentimentDto[]> {
    return this.sentiment.getLatest(symbol);
  }
}
