import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { HotPath } from '../../../cluster/hot-path';
import { ProcessesJob, type JobProcessor } from '../../../queue/job-processor.decorator';
import { JobName, type JobPayload, type JobResult } from '../../../queue/queue.catalogue';
import { SearchRunner } from '../search.runner';

type SearchTrialJob = Job<JobPayload<JobName.SearchTrial>, JobResult<JobName.SearchTrial>>;

/** Runs one trial of a search; its last attempt's failure is recorded so the search can end. */
@Injectable()
@ProcessesJob(JobName.SearchTrial)
export class SearchTrialProcessor implements JobProcessor<JobName.SearchTrial> {
  constructor(
    private readonly runner: SearchRunner,
    private readonly hotPath: HotPath,
  ) {}

  async process(job: SearchTrialJob): Promise<JobResult<JobName.SearchTrial>> {
    try {
      return await this.runner.runTrial({ ...job.data, pause: () => this.hotPath.idle() });
    } catch (error) {
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts) {
        await this.runner.recordFailure({ ...job.data, error: (error as Error).message });
      }
      throw error;
    }
  }
}
