import { Injectable } from '@nestjs/common';
import { UnrecoverableError, type Job } from 'bullmq';
import { HotPath } from '../../cluster/hot-path';
import { AppConfig } from '../../config/app-config';
import { MarketCatalogue } from '../../market-data/market-catalogue';
import { ProcessesJob, type JobProcessor } from '../../queue/job-processor.decorator';
import { JobName, type JobPayload, type JobResult } from '../../queue/queue.catalogue';
import { RedisService } from '../../redis/redis.service';
import { FeatureListError } from '../engine/feature-spec';
import { ModelParamsError } from '../engine/model-params';
import { TrainingCancelledError } from '../engine/model-training';
import { isModelKind, MODEL_KINDS } from '../engine/model-kind';
import { NotEnoughDataError } from '../engine/training-pipeline';
import { TrainingService } from '../training.service';

type TrainModelJob = Job<JobPayload<JobName.TrainModel>, JobResult<JobName.TrainModel>>;

/** The Redis key an admin sets to cancel a training job. */
export function cancelKey(config: AppConfig, jobId: string): string {
  return config.redisKey('training', 'cancel', jobId);
}

/** Trains one market's model with progress on the job; cancellable; permanent failures are not retried. */
@Injectable()
@ProcessesJob(JobName.TrainModel)
export class TrainModelProcessor implements JobProcessor<JobName.TrainModel> {
  constructor(
    private readonly training: TrainingService,
    private readonly catalogue: MarketCatalogue,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    private readonly hotPath: HotPath,
  ) {}

  async process(job: TrainModelJob): Promise<JobResult<JobName.TrainModel>> {
    let symbol: string;
    let interval: string;
    try {
      symbol = this.catalogue.resolveSymbol(job.data.symbol);
      interval = this.catalogue.resolveInterval(job.data.interval);
    } catch (error) {
      throw new UnrecoverableError(`Training: ${(error as Error).message}`);
    }
    const kind = job.data.kind;
    if (kind !== undefined && !isModelKind(kind)) {
      throw new UnrecoverableError(
        `Training: no model kind ${JSON.stringify(kind)} (known: ${MODEL_KINDS.join(', ')})`,
      );
    }
    const jobId = job.id ?? 'unknown';
    let cancelled = false;
    const watch = setInterval(() => {
      void this.redis.client
        .exists(cancelKey(this.config, jobId))
        .then((found) => (cancelled = cancelled || found === 1))
        .catch(() => undefined);
    }, 500);
    try {
      return await this.training.train({
        symbol,
        interval,
        kind,
        features: job.data.features,
        params: job.data.params,
        jobId,
        shouldStop: () => cancelled,
        // Between batches, a closing burst in this process goes first.
        pause: () => this.hotPath.idle(),
        onProgress: async (progress) => job.updateProgress({ ...progress }),
      });
    } catch (error) {
      if (error instanceof TrainingCancelledError) {
        throw new UnrecoverableError(`Training of ${symbol} ${interval} was cancelled by an admin`);
      }
      if (
        error instanceof ModelParamsError ||
        error instanceof NotEnoughDataError ||
        error instanceof FeatureListError
      ) {
        throw new UnrecoverableError(error.message);
      }
      throw error;
    } finally {
      clearInterval(watch);
    }
  }
}
