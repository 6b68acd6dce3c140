import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { parseDuration } from '../../config/config.schema';
import { CandlesRepository } from '../../market-data/candles.repository';
import { ProcessesJob, type JobProcessor } from '../../queue/job-processor.decorator';
import type { MarketKey } from '../../market-data/candle';
import { JOBS, JobName, TRAINING_PRIORITY, type JobResult } from '../../queue/queue.catalogue';
import { QueueService } from '../../queue/queue.service';
import { MODEL_PARAM_RULES, resolveModelParams } from '../engine/model-params';
import { DEFAULT_MODEL_KIND, isModelKind } from '../engine/model-kind';
import { minimumCandles } from '../engine/training-pipeline';
import { LiveMarkets } from '../live/live-markets';
import type { ModelVersionParams } from '../model-version.entity';
import { ModelVersionsRepository } from '../model-versions.repository';

/**
 * The retraining cadence (hourly, and once at worker start): a model market with enough candles
 * and no model gets its first; one whose newest model is older than RETRAIN_EVERY gets a new one,
 * of the kind of its production model (lstm without one).
 * Safe with many workers: one training per market at a time (deduplicated job ids).
 */
@Injectable()
@ProcessesJob(JobName.RetrainModels)
export class RetrainModelsProcessor implements JobProcessor<JobName.RetrainModels> {
  constructor(
    private readonly config: AppConfig,
    private readonly liveMarkets: LiveMarkets,
    private readonly versions: ModelVersionsRepository,
    private readonly candles: CandlesRepository,
    private readonly queues: QueueService,
  ) {}

  /**
   * A version left in `training` by a job that no longer runs (its worker was killed and the job
   * then removed, or failed for good after stalling) is failed: it would hold the market's
   * retraining back for good, and an admin could neither retire it nor cancel its job.
   */
  private async failAbandoned(market: MarketKey): Promise<void> {
    // Newest first; a few at most (each was a training job of this market).
    for (let checked = 0; checked < 10; checked++) {
      const training = await this.versions.latest(market, ['training']);
      if (!training?.jobId) {
        return;
      }
      const state = await this.queues
        .queue(JOBS[JobName.TrainModel].queue)
        .getJobState(training.jobId);
      if (state !== 'unknown' && state !== 'completed' && state !== 'failed') {
        return;
      }
      await this.versions.failForJob(
        training.jobId,
        `its training job ${training.jobId} ended (${state === 'unknown' ? 'removed' : state}) without finishing it`,
      );
    }
  }

  async process(): Promise<JobResult<JobName.RetrainModels>> {
    const result: JobResult<JobName.RetrainModels> = { checked: 0, queued: [] };
    for (const { market } of this.liveMarkets.all) {
      await this.failAbandoned(market);
    }
    if (!this.config.get('MODEL_AUTO_TRAIN')) {
      return result;
    }
    const everyMs = parseDuration(this.config.get('RETRAIN_EVERY'));
    const needed = minimumCandles(resolveModelParams());
    for (const { symbol, market } of this.liveMarkets.all) {
      result.checked++;
      const summaries = await this.candles.summaries(market.exchange);
      const count =
        summaries.find((s) => s.symbol === market.symbol && s.interval === market.interval)
          ?.count ?? 0;
      if (count < needed) {
        continue;
      }
      if (await this.versions.latest(market, ['training'])) {
        continue;
      }
      const newest = await this.versions.latest(market, ['candidate', 'production', 'retired']);
      const trainedAt = newest?.trainedAt?.getTime();
      const why = !newest
        ? 'first model'
        : trainedAt === undefined || Date.now() - trainedAt >= everyMs
          ? 'retrain'
          : undefined;
      if (!why) {
        continue;
      }
      // A retraining keeps what the production model is (kind, parameters, inputs): a searched
      // and promoted configuration is not replaced by the defaults.
      const production = await this.versions.production(market);
      const jobId = await this.queues.enqueue({
        name: JobName.TrainModel,
        payload: {
          symbol,
          interval: market.interval,
          kind: isModelKind(production?.kind) ? production.kind : DEFAULT_MODEL_KIND,
          ...(production ? productionConfiguration(production) : {}),
          reason: why === 'first model' ? 'first-start' : 'schedule',
        },
        exclusiveKey: `auto-${market.symbol}-${market.interval}`,
        // After any admin's training; the baseline forecast serves meanwhile.
        options: { priority: TRAINING_PRIORITY.automatic },
      });
      result.queued.push({ symbol, interval: market.interval, jobId, why });
    }
    return result;
  }
}

/** The numeric parameters and chosen inputs of a production model, to train its successor alike. */
function productionConfiguration(production: { params: ModelVersionParams; features: string[] }): {
  params: Record<string, number>;
  features: string[];
} {
  const params = Object.fromEntries(
    Object.entries(production.params).filter(
      (entry): entry is [string, number] =>
        entry[0] in MODEL_PARAM_RULES && typeof entry[1] === 'number',
    ),
  );
  return { params, features: production.features.filter((feature) => feature !== 'sentiment') };
}
