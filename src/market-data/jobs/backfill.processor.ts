import { Injectable, Logger } from '@nestjs/common';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { ProcessesJob, type JobProcessor } from '../../queue/job-processor.decorator';
import { JobName, type JobPayload, type JobResult } from '../../queue/queue.catalogue';
import { ExchangeRequestError, ExchangeThrottledError } from '../exchange/market-data.provider';
import { MarketCatalogue } from '../market-catalogue';
import { CandleSyncService } from '../sync/candle-sync.service';

type BackfillJob = Job<JobPayload<JobName.Backfill>, JobResult<JobName.Backfill>>;

/**
 * Backfills one market and range. Pages land as they come, so a retried or resumed job starts
 * from its cursor; a ban or long pause from the exchange parks the job until it ends.
 */
@Injectable()
@ProcessesJob(JobName.Backfill)
export class BackfillProcessor implements JobProcessor<JobName.Backfill> {
  private readonly logger = new Logger(BackfillProcessor.name);

  constructor(
    private readonly sync: CandleSyncService,
    private readonly catalogue: MarketCatalogue,
  ) {}

  async process(job: BackfillJob, token?: string): Promise<JobResult<JobName.Backfill>> {
    const { symbol, interval, from, to } = job.data;
    try {
      this.catalogue.resolveSymbol(symbol);
      this.catalogue.resolveInterval(interval);
    } catch (error) {
      throw new UnrecoverableError(
        `Backfill of ${symbol} ${interval}: ${(error as Error).message}`,
      );
    }
    if (!Number.isFinite(from) || (to !== null && (!Number.isFinite(to) || to < from))) {
      throw new UnrecoverableError(
        `Backfill of ${symbol} ${interval}: from/to are not a valid range`,
      );
    }
    let cursor = from;
    try {
      return await this.sync.backfill({
        symbol,
        interval,
        from,
        to,
        onProgress: async (progress) => {
          cursor = progress.cursor;
          await job.updateProgress({
            ...progress,
            cursor: new Date(progress.cursor).toISOString(),
          });
        },
      });
    } catch (error) {
      if (error instanceof ExchangeRequestError) {
        throw new UnrecoverableError(error.message);
      }
      if (error instanceof ExchangeThrottledError && token) {
        // Stop, report, resume later: park the job until the exchange lets us back in.
        await job.updateData({ ...job.data, from: cursor });
        await job.updateProgress({
          cursor: new Date(cursor).toISOString(),
          pausedUntil: new Date(error.retryAt).toISOString(),
          reason: error.message,
        });
        this.logger.warn(
          `Backfill job ${job.id} parked until ${new Date(error.retryAt).toISOString()}: ${error.message}`,
        );
        await job.moveToDelayed(error.retryAt + 1000, token);
        throw new DelayedError();
      }
      throw error;
    }
  }
}
