import { Injectable, Logger } from '@nestjs/common';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { ProcessesJob, type JobProcessor } from '../../queue/job-processor.decorator';
import { JobName, type JobPayload, type JobResult } from '../../queue/queue.catalogue';
import { SENTIMENT_SOURCE_NAMES } from '../sentiment-sources';
import { SentimentSourceError, SentimentThrottledError } from '../sources/sentiment.source';
import { SentimentSyncService } from '../sync/sentiment-sync.service';

type SentimentPollJob = Job<JobPayload<JobName.SentimentPoll>, JobResult<JobName.SentimentPoll>>;

/** Polls one sentiment source; a long rate-limit pause parks the job until it ends. */
@Injectable()
@ProcessesJob(JobName.SentimentPoll)
export class SentimentPollProcessor implements JobProcessor<JobName.SentimentPoll> {
  private readonly logger = new Logger(SentimentPollProcessor.name);

  constructor(private readonly sync: SentimentSyncService) {}

  async process(job: SentimentPollJob, token?: string): Promise<JobResult<JobName.SentimentPoll>> {
    if (!SENTIMENT_SOURCE_NAMES.includes(job.data.source)) {
      throw new UnrecoverableError(
        `Unknown sentiment source ${String(job.data.source)}; known: ${SENTIMENT_SOURCE_NAMES.join(', ')}`,
      );
    }
    try {
      return await this.sync.poll({
        source: job.data.source,
        onProgress: async (progress) =>
          job.updateProgress({
            ...progress,
            percent: Math.round((progress.done / progress.total) * 100),
          }),
      });
    } catch (error) {
      if (error instanceof SentimentThrottledError && token) {
        this.logger.warn(
          `Sentiment poll ${job.id} parked until ${new Date(error.retryAt).toISOString()}: ${error.message}`,
        );
        await job.moveToDelayed(error.retryAt + 1000, token);
        throw new DelayedError();
      }
      if (error instanceof SentimentSourceError && error.permanent) {
        throw new UnrecoverableError(error.message);
      }
      throw error;
    }
  }
}
