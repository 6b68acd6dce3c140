import { Injectable, Logger } from '@nestjs/common';
import { CandlesRepository } from '../../market-data/candles.repository';
import { MarketCatalogue, intervalMs } from '../../market-data/market-catalogue';
import { JobName } from '../../queue/queue.catalogue';
import { QueueService } from '../../queue/queue.service';
import { ModelParamsError, resolveModelParams } from '../engine/model-params';
import type { ModelKind } from '../engine/model-kind';
import { bestTrial, drawFeatureSets } from '../engine/model-search';
import { NotEnoughDataError } from '../engine/training-pipeline';
import { ModelInputs } from '../model-inputs';
import { TensorFlowProvider } from '../tensorflow.provider';
import { MAX_TRAINING_CANDLES } from '../training-window';
import type { ModelSearchEntity, TrialMetrics } from './model-search.entity';
import { ModelSearchesRepository } from './model-searches.repository';
import { evaluateBestTrial, scoreTrial } from './search-steps';

/** A trial's failure that running it again will not fix (recorded, not retried). */
function isPermanentTrialFailure(error: unknown): error is Error {
  return error instanceof NotEnoughDataError || error instanceof ModelParamsError;
}

/**
 * The worker side of searches: one trial at a time (a job each, so every worker takes a share),
 * on the candles before the search's `testFrom` only; the trial that finishes last queues the
 * evaluation of the best on the test part.
 */
@Injectable()
export class SearchRunner {
  private readonly logger = new Logger(SearchRunner.name);

  constructor(
    private readonly catalogue: MarketCatalogue,
    private readonly candles: CandlesRepository,
    private readonly searches: ModelSearchesRepository,
    private readonly tensorflow: TensorFlowProvider,
    private readonly inputs: ModelInputs,
    private readonly queues: QueueService,
  ) {}

  private async search(id: string): Promise<ModelSearchEntity> {
    const search = await this.searches.find(id);
    if (!search) {
      throw new NotEnoughDataError(`Model search ${id} no longer exists`);
    }
    return search;
  }

  /** The inputs trial `index` of a search draws (found again from the stored request). */
  private trialFeatures(search: ModelSearchEntity, index: number): string[] {
    return drawFeatureSets({ ...search.request, trials: search.trialsTotal })[index] ?? [];
  }

  /** Candles from the search's first up to `to` (inclusive). */
  private readCandles(search: ModelSearchEntity, to: number) {
    return this.candles.find({
      exchange: search.exchange,
      symbol: search.symbol,
      interval: search.interval,
      from: search.dataFrom.getTime(),
      to,
      limit: MAX_TRAINING_CANDLES,
    });
  }

  async runTrial(params: {
    searchId: string;
    index: number;
    shouldStop?: () => boolean;
    pause?: () => Promise<void>;
  }): Promise<{
    status: 'completed' | 'failed' | 'already-finished';
    score: number | null;
  }> {
    const search = await this.search(params.searchId);
    const trial = await this.searches.trial(params.searchId, params.index);
    if (!trial) {
      throw new NotEnoughDataError(`Model search ${params.searchId} has no trial ${params.index}`);
    }
    if (trial.status !== 'pending') {
      return { status: 'already-finished', score: trial.score };
    }
    // The test part is never read: only candles opening before testFrom (of every market read).
    const features = this.trialFeatures(search, trial.index);
    const { candles, sentiment, markets } = await this.inputs.gather({
      symbol: this.catalogue.baseOf(search.symbol),
      interval: search.interval,
      candles: await this.readCandles(search, search.testFrom.getTime() - 1),
      features,
      sentiment: 'join',
    });
    const { tf } = await this.tensorflow.get();
    const { status, score, metrics, seconds, error } = await scoreTrial({
      tf,
      trainingCandles: candles,
      intervalMs: intervalMs(search.interval),
      plan: {
        index: trial.index,
        kind: trial.kind as ModelKind,
        params: resolveModelParams(trial.params),
        features,
      },
      folds: search.request.folds,
      horizons: search.request.horizons,
      sentiment,
      markets,
      // Other failures are thrown, so the job retries them.
      recorded: isPermanentTrialFailure,
      shouldStop: params.shouldStop,
      pause: params.pause,
    });
    await this.finishTrial({ search, index: trial.index, status, score, metrics, seconds, error });
    return { status, score };
  }

  /** Records a trial's end (once) and, after the last one, queues the search's evaluation. */
  async finishTrial(params: {
    search: ModelSearchEntity;
    index: number;
    status: 'completed' | 'failed';
    score: number | null;
    metrics: TrialMetrics | null;
    seconds: number | null;
    error: string | null;
  }): Promise<void> {
    const { search } = params;
    const counted = await this.searches.finishTrial({ ...params, searchId: search.id });
    this.logger.log(
      `Search ${search.id} (${search.symbol} ${search.interval}) trial ${params.index} ${params.status}` +
        (params.score === null
          ? `: ${params.error ?? ''}`
          : ` with score ${params.score.toFixed(5)}`) +
        (counted ? ` (${counted.done}/${counted.total})` : ''),
    );
    if (counted && counted.done === counted.total) {
      await this.queues.enqueue({
        name: JobName.FinishSearch,
        payload: { searchId: search.id },
        key: search.id,
      });
    }
  }

  /** A trial whose job failed for the last time: recorded as failed, so the search can end. */
  async recordFailure(params: { searchId: string; index: number; error: string }): Promise<void> {
    const search = await this.searches.find(params.searchId);
    if (search) {
      await this.finishTrial({
        search,
        index: params.index,
        status: 'failed',
        score: null,
        metrics: null,
        seconds: null,
        error: params.error,
      });
    }
  }

  /** A search whose evaluation failed for the last time. */
  async failSearch(searchId: string, error: string): Promise<void> {
    await this.searches.setStatus(searchId, 'failed', { error });
  }

  /** The best trial trained on the whole training part and evaluated once on the test part. */
  async finish(searchId: string): Promise<{ status: string; bestTrial: number | null }> {
    const search = await this.search(searchId);
    if (search.status === 'completed' || search.status === 'failed') {
      return { status: search.status, bestTrial: search.best?.trialIndex ?? null };
    }
    const trials = await this.searches.trials(searchId);
    const best = bestTrial(trials);
    if (!best || best.score === null) {
      const error = `every one of its ${trials.length} trials failed: ${trials[0]?.error ?? ''}`;
      await this.searches.setStatus(searchId, 'failed', { error });
      return { status: 'failed', bestTrial: null };
    }
    await this.searches.setStatus(searchId, 'evaluating');
    // The best trial's inputs, with the sentiment series it was scored with (if any).
    const source = best.metrics?.sentimentSource;
    const features = this.trialFeatures(search, best.index);
    const { candles, sentiment, markets } = await this.inputs.gather({
      symbol: this.catalogue.baseOf(search.symbol),
      interval: search.interval,
      candles: await this.readCandles(search, search.dataTo.getTime()),
      features: typeof source === 'string' ? [...features, 'sentiment'] : features,
      sentiment: { source: typeof source === 'string' ? source : undefined },
    });
    const { tf } = await this.tensorflow.get();
    const { best: evaluated, outcome } = await evaluateBestTrial({
      tf,
      best: { ...best, score: best.score },
      features,
      candles,
      intervalMs: intervalMs(search.interval),
      testFrom: search.testFrom.getTime(),
      folds: search.request.folds,
      horizons: search.request.horizons,
      sentiment,
      markets,
    });
    await this.searches.setStatus(searchId, 'completed', { best: evaluated });
    this.logger.log(
      `Search ${searchId} (${search.symbol} ${search.interval}): best of ${trials.length} trials is ${best.kind} trial ${best.index}; on the test part MAE ${outcome.evaluation.model.mae.toFixed(6)} against persistence ${outcome.evaluation.persistence.mae.toFixed(6)} (p = ${outcome.evaluation.versusPersistence.pValue.toPrecision(3)})`,
    );
    return { status: 'completed', bestTrial: best.index };
  }
}
