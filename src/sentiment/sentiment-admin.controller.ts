import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { OperationIdPrefix } from '../common/openapi-errors';
import { EnqueuedJobDto } from '../queue/dto/job.dto';
import { SentimentService } from './sentiment.service';

@ApiTags('sentiment')
@OperationIdPrefix('Sentiment')
@Controller('admin/sentiment')
@Access('admin')
export class SentimentAdminController {
  constructor(private readonly sentiment: SentimentService) {}

  @Post(':source/poll')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Poll a sentiment source now (lunarcrush or fear-greed); follow the job with GET /jobs/{jobId}',
  })
  @ApiAcceptedResponse({ type: EnqueuedJobDto })
  poll(@Param('source') source: string): Promise<EnqueuedJobDto> {
    return this.sentiment.requestPoll(source);
  }
}
