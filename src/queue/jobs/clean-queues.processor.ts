import { Injectable, Logger } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { ProcessesJob, type JobProcessor } from '../job-processor.decorator';
import { JobName, type JobPayload, type JobResult } from '../queue.catalogue';
import { QueueService } from '../queue.service';

type CleanQueuesJob = Job<JobPayload<JobName.CleanQueues>, JobResult<JobName.CleanQueues>>;

/** Removes finished jobs older than the grace period from every queue of the catalogue. */
@Injectable()
@ProcessesJob(JobName.CleanQueues)
export class CleanQueuesProcessor implements JobProcessor<JobName.CleanQueues> {
  private readonly logger = new Logger(CleanQueuesProcessor.name);

  constructor(private readonly queues: QueueService) {}

  async process(job: CleanQueuesJob): Promise<JobResult<JobName.CleanQueues>> {
    const { graceMs, limitPerState } = job.data;
    if (!Number.isInteger(graceMs) || graceMs < 0) {
      throw new UnrecoverableError(`graceMs must be a whole number >= 0, got ${String(graceMs)}`);
    }
    if (!Number.isInteger(limitPerState) || limitPerState < 1) {
      throw new UnrecoverableError(
        `limitPerState must be a whole number >= 1, got ${String(limitPerState)}`,
      );
    }
    const removed: JobResult<JobName.CleanQueues>['removed'] = {};
    const queues = this.queues.all();
    for (const [index, queue] of queues.entries()) {
      const completed = await queue.clean(graceMs, limitPerState, 'completed');
      const failed = await queue.clean(graceMs, limitPerState, 'failed');
      removed[queue.name] = { completed: completed.length, failed: failed.length };
      await job.updateProgress(Math.round(((index + 1) / queues.length) * 100));
    }
    const total = Object.values(removed).reduce((sum, r) => sum + r.completed + r.failed, 0);
    this.logger.log(
      `Removed ${total} finished job(s) older than ${graceMs} ms from ${queues.length} queue(s)`,
    );
    return { removed };
  }
}
