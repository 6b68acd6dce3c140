import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { ProcessesJob, type JobProcessor } from '../../../queue/job-processor.decorator';
import { JobName, type JobPayload, type JobResult } from '../../../queue/queue.catalogue';
import { SearchRunner } from '../search.runner';

type FinishSearchJob = Job<JobPayload<JobName.FinishSearch>, JobResult<JobName.FinishSearch>>;

/** Evaluates a search's best trial once on its test part. */
@Injectable()
@ProcessesJob(JobName.FinishSearch)
export class FinishSearchProcessor implements JobProcessor<JobName.FinishSearch> {
  constructor(private readonly runner: SearchRunner) {}

  async process(job: FinishSearchJob): Promise<JobResult<JobName.FinishSearch>> {
    try {
      return await this.runner.finish(job.data.searchId);
    } catch (error) {
      if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        await this.runner.failSearch(job.data.searchId, (error as Error).message);
      }
      throw error;
    }
  }
}
