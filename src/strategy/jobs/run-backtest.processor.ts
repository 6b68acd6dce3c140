import { Injectable } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { ProcessesJob, type JobProcessor } from '../../queue/job-processor.decorator';
import { JobName, type JobPayload, type JobResult } from '../../queue/queue.catalogue';
import { AppException } from '../../common/app.exception';
import { BacktestsService } from '../backtests.service';

type RunBacktestJob = Job<JobPayload<JobName.RunBacktest>, JobResult<JobName.RunBacktest>>;

/** Runs one stored backtest request. */
@Injectable()
@ProcessesJob(JobName.RunBacktest)
export class RunBacktestProcessor implements JobProcessor<JobName.RunBacktest> {
  constructor(private readonly backtests: BacktestsService) {}

  async process(job: RunBacktestJob): Promise<JobResult<JobName.RunBacktest>> {
    try {
      return await this.backtests.run(job.data.backtestId, (percent) =>
        job.updateProgress({ percent }),
      );
    } catch (error) {
      if (error instanceof AppException) {
        throw new UnrecoverableError(error.message);
      }
      throw error;
    }
  }
}
