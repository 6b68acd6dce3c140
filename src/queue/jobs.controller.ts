import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { JobDto } from './dto/job.dto';
import { JobsService } from './jobs.service';

@ApiTags('jobs')
@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get(':id')
  @Access('client')
  @ApiOperation({ summary: 'State, progress, result and error of any background job' })
  @ApiOkResponse({ type: JobDto })
  get(@Param('id') id: string): Promise<JobDto> {
    return this.jobs.get(id);
  }
}
