import { Injectable } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { ProcessesJob, type JobProcessor } from '../../queue/job-processor.decorator';
import { JobName, type JobPayload, type JobResult } from '../../queue/queue.catalogue';
import { MarketCatalogue } from '../market-catalogue';
import { CandleSyncService } from '../sync/candle-sync.service';

type RepairGapsJob = Job<JobPayload<JobName.RepairGaps>, JobResult<JobName.RepairGaps>>;

/** Repairs holes in one market, or in every configured market (the hourly schedule). */
@Injectable()
@ProcessesJob(JobName.RepairGaps)
export class RepairGapsProcessor implements JobProcessor<JobName.RepairGaps> {
  constructor(
    private readonly sync: CandleSyncService,
    private readonly catalogue: MarketCatalogue,
  ) {}

  async process(job: RepairGapsJob): Promise<JobResult<JobName.RepairGaps>> {
    let markets: { symbol: string; interval: string }[];
    try {
      const symbols = job.data.symbol
        ? [this.catalogue.resolveSymbol(job.data.symbol)]
        : this.catalogue.bases;
      const intervals = job.data.interval
        ? [this.catalogue.resolveInterval(job.data.interval)]
        : this.catalogue.intervals;
      markets = symbols.flatMap((symbol) => intervals.map((interval) => ({ symbol, interval })));
    } catch (error) {
      throw new UnrecoverableError(`Gap repair: ${(error as Error).message}`);
    }
    const result: JobResult<JobName.RepairGaps> = {
      markets: markets.length,
      holesFound: 0,
      holesSkipped: 0,
      candlesInserted: 0,
      knownGapsRecorded: 0,
    };
    for (const [index, market] of markets.entries()) {
      const outcome = await this.sync.repairGaps({ ...market, force: job.data.force });
      result.holesFound += outcome.holesFound;
      result.holesSkipped += outcome.holesSkipped;
      result.candlesInserted += outcome.candlesInserted;
      result.knownGapsRecorded += outcome.knownGapsRecorded;
      await job.updateProgress(Math.round(((index + 1) / markets.length) * 100));
    }
    return result;
  }
}
