import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { CleanQueuesDto, EnqueuedJobDto, JobDto } from './dto/job.dto';
import { JobsService } from './jobs.service';

@ApiTags('jobs')
@Controller()
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get('jobs/:id')
  @Access('client')
  @ApiOperation({ summary: 'State, progress, result and error of any background job' })
  @ApiOkResponse({ type: JobDto })
  get(@Param('id') id: string): Promise<JobDto> {
    return this.jobs.get(id);
  }

  @Post('admin/jobs/clean-queues')
  @HttpCode(202)
  @Access('admin')
  @ApiOperation({ summary: 'Remove old finished jobs from every queue, in the background' })
  @ApiAcceptedResponse({ type: EnqueuedJobDto })
  cleanQueues(@Body() body: CleanQueuesDto): Promise<EnqueuedJobDto> {
    return this.jobs.cleanQueues(body);
  }
}
