import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Access } from '../auth/access.decorator';
import { CleanQueuesDto, EnqueuedJobDto, JobDto } from './dto/job.dto';
import { JobsService } from './jobs.service';

@Resolver(() => JobDto)
export class JobsResolver {
  constructor(private readonly jobs: JobsService) {}

  @Query(() => JobDto, { description: 'State, progress, result and error of any background job' })
  @Access('client')
  job(@Args('id', { type: () => ID }) id: string): Promise<JobDto> {
    return this.jobs.get(id);
  }

  @Mutation(() => EnqueuedJobDto, {
    description: 'Remove old finished jobs from every queue (admin)',
  })
  @Access('admin')
  cleanQueues(
    @Args('input', { type: () => CleanQueuesDto, nullable: true }) input?: CleanQueuesDto,
  ): Promise<EnqueuedJobDto> {
    return this.jobs.cleanQueues(input ?? {});
  }
}
