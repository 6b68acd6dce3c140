import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { OperationIdPrefix } from '../common/openapi-errors';
import { CleanQueuesDto, EnqueuedJobDto } from './dto/job.dto';
import { JobsService } from './jobs.service';

@ApiTags('jobs')
@OperationIdPrefix('Jobs')
@Controller('admin/jobs')
@Access('admin')
export class JobsAdminController {
  constructor(private readonly jobs: JobsService) {}

  @Post('clean-queues')
  @HttpCode(202)
  @ApiOperation({ summary: 'Remove old finished jobs from every queue, in the background' })
  @ApiAcceptedResponse({ type: EnqueuedJobDto })
  cleanQueues(@Body() body: CleanQueuesDto): Promise<EnqueuedJobDto> {
    return this.jobs.cleanQueues(body);
  }
}
