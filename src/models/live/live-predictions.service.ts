import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { HotPath } from '../../cluster/hot-path';
import { MarketShards } from '../../cluster/market-shards.service';
import { AppConfig } from '../../config/app-config';
import type { MarketKey } from '../../market-data/candle';
import {
  CANDLE_CLOSED,
  CANDLES_WRITTEN,
  type CandleClosedEvent,
  type CandlesWrittenEvent,
} from '../../market-data/candle-events';
import { CandleWindowCache } from '../../market-data/candle-window.cache';
import { CandlesRepository } from '../../market-data/candles.repository';
import { MarketCatalogue, intervalMs } from '../../market-data/market-catalogue';
import { JobName } from '../../queue/queue.catalogue';
import { QueueService } from '../../queue/queue.service';
import { RedisService } from '../../redis/redis.service';
import { featureMarkets } from '../engine/feature-spec';
import { loadModel } from '../engine/model-artifact';
import { disposeModel, type TrainedModel } from '../engine/trained-model';
import { EMPIRICAL_WINDOW } from '../engine/baseline-forecast';
import type { HorizonForecast } from '../engine/forecast-calibration';
import {
  baselineTrackRecord,
  type BaselineTrackRecord,
  type HorizonScore,
} from '../engine/forecast-scoring';
import {
  baselineLatest,
  baselineWindow,
  predictLatest,
  predictionWindow,
} from '../engine/latest-forecast';
import {
  MODEL_PROMOTED,
  MODEL_RETIRED,
  PREDICTION_UPDATED,
  type ModelPromotedEvent,
} from '../model-events';
import { ModelInputs } from '../model-inputs';
import { ModelVersionsRepository } from '../model-versions.repository';
import { PredictionsRepository } from '../predictions.repository';
import { TensorFlowProvider } from '../tensorflow.provider';
import { ModelCache, type ModelCacheStats } from './model-cache';
import { PredictionCache, type CachedHorizon, type CachedPrediction } from './prediction.cache';

/**
 * What the live path keeps of a market's production model while its weights may be evicted from
 * the model cache: enough to know which markets it reads and whether it serves at all.
 */
interface ProductionModel {
  versionId: string;
  /** The sentiment series the model was trained on, if any. */
  sentimentSource?: string;
  /** Other markets (base assets) whose candles the model reads; known once it was loaded. */
  otherMarkets: string[];
  /** Whether the model has forecast calibration; known once it was loaded. */
  calibrated?: boolean;
  trainedAt: number | null;
  metrics: Record<string, unknown> | null;
}

interface MarketState {
  symbol: string;
  market: MarketKey;
  production?: ProductionModel;
  queue: Promise<void>;
}

/** Candles one market's forecasts catch up on per pass (a longer outage takes several). */
const CATCH_UP_BATCH = 500;

/** A production model whose artifact row is missing: the baseline is served instead. */
class MissingArtifactError extends Error {}

/**
 * The live model path in the worker: on every `candle.closed` of a model market, record the
 * realised error of the predictions that targeted that candle, then predict with the production
 * model, store the row (once per version and candle), cache it for `/predict` and publish
 * `prediction.updated`. A promotion recomputes the latest prediction at once. Also schedules
 * retraining (`RETRAIN_EVERY`) and a market's first model.
 *
 * Production models are loaded from PostgreSQL into a cache of at most `MODEL_CACHE_MAX_MODELS`:
 * beyond it the least recently used one is disposed and loaded again on its market's next
 * prediction, so memory stays bounded however many markets the worker follows.
 */
@Injectable()
export class LivePredictionsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LivePredictionsService.name);
  private readonly states = new Map<string, MarketState>();
  private lastTrainingCheck = 0;
  private trainingCheckTimer?: NodeJS.Timeout;
  private readonly baselineTimers = new Map<string, NodeJS.Timeout>();
  private readonly models: ModelCache<TrainedModel>;
  /** Each market's baseline track record, by the candle it is as of. */
  private readonly baselineRecords = new Map<
    string,
    { openTime: number; record: BaselineTrackRecord[] }
  >();

  constructor(
    private readonly config: AppConfig,
    private readonly catalogue: MarketCatalogue,
    private readonly redis: RedisService,
    private readonly candles: CandlesRepository,
    private readonly recent: CandleWindowCache,
    private readonly versions: ModelVersionsRepository,
    private readonly predictions: PredictionsRepository,
    private readonly cache: PredictionCache,
    private readonly tensorflow: TensorFlowProvider,
    private readonly queues: QueueService,
    private readonly inputs: ModelInputs,
    private readonly shards: MarketShards,
    private readonly hotPath: HotPath,
  ) {
    this.models = new ModelCache<TrainedModel>({
      maxModels: config.get('MODEL_CACHE_MAX_MODELS'),
      dispose: disposeModel,
      onEvict: (versionId) =>
        this.logger.debug(
          `Unloaded model ${versionId}, the least recently used beyond MODEL_CACHE_MAX_MODELS=${config.get('MODEL_CACHE_MAX_MODELS')}; it is loaded again on its next prediction`,
        ),
    });
  }

  /** Loaded production models, their weights' bytes, loads and evictions (for `/metrics`). */
  modelCacheStats(): ModelCacheStats {
    return this.models.stats();
  }

  /** Configured markets that get models. */
  get markets(): { symbol: string; market: MarketKey }[] {
    const intervals = this.config
      .get('MODEL_INTERVALS')
      .filter((interval) => this.catalogue.intervals.includes(interval));
    return this.catalogue.bases.flatMap((symbol) =>
      intervals.map((interval) => ({
        symbol,
        market: {
          exchange: this.catalogue.exchange,
          symbol: this.catalogue.pair(symbol),
          interval,
        },
      })),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const { backend } = await this.tensorflow.get();
    await this.tensorflow.report();
    this.logger.log(`TensorFlow.js ready on the ${backend} backend`);
    await this.redis.subscribe(CANDLE_CLOSED, (message) =>
      this.onCandleClosed(JSON.parse(message) as CandleClosedEvent),
    );
    await this.redis.subscribe(MODEL_PROMOTED, (message) =>
      this.onProductionChanged(JSON.parse(message) as ModelPromotedEvent),
    );
    await this.redis.subscribe(MODEL_RETIRED, (message) =>
      this.onProductionChanged(JSON.parse(message) as ModelPromotedEvent),
    );
    for (const { symbol, market } of this.markets) {
      if (this.shards.owns(market)) {
        void this.enqueue(market, symbol, () => this.refresh(market, symbol));
      }
    }
    await this.redis.subscribe(CANDLES_WRITTEN, (message) =>
      this.onCandlesWritten(JSON.parse(message) as CandlesWrittenEvent),
    );
    if (this.config.get('MODEL_AUTO_TRAIN')) {
      // Do not wait for the hourly check to give a new market its first model.
      await this.queues
        .enqueue({ name: JobName.RetrainModels, payload: {}, exclusiveKey: 'start-up' })
        .catch((error: Error) =>
          this.logger.warn(`Could not queue the retraining check: ${error.message}`),
        );
    }
  }

  onModuleDestroy(): void {
    this.baselineTimers.forEach((timer) => clearTimeout(timer));
    this.baselineTimers.clear();
    this.models.clear();
  }

  private state(market: MarketKey, symbol: string): MarketState {
    const key = `${market.symbol}:${market.interval}`;
    let state = this.states.get(key);
    if (!state) {
      state = { symbol, market, queue: Promise.resolve() };
      this.states.set(key, state);
    }
    return state;
  }

  /** One market's work in order, ahead of background jobs in this process (HotPath). */
  private enqueue(market: MarketKey, symbol: string, work: () => Promise<void>): Promise<void> {
    const state = this.state(market, symbol);
    state.queue = state.queue
      .then(() => this.hotPath.run(work))
      .catch((error: Error) => {
        this.logger.error(
          `Prediction for ${market.symbol} ${market.interval} failed: ${error.message}`,
        );
      });
    return state.queue;
  }

  private isModelMarket(event: { exchange: string; interval: string }): boolean {
    return (
      event.exchange === this.catalogue.exchange &&
      (this.config.get('MODEL_INTERVALS') as readonly string[]).includes(event.interval)
    );
  }

  private onCandleClosed(event: CandleClosedEvent): void {
    if (!this.isModelMarket(event)) {
      return;
    }
    const market = { exchange: event.exchange, symbol: event.pair, interval: event.interval };
    if (this.shards.owns(market)) {
      void this.enqueue(market, event.symbol, async () => {
        // The realised error is written while the model predicts; live accuracy is read after it.
        const realised = this.predictions.realise(
          market,
          event.candle.openTime,
          event.candle.close,
        );
        await Promise.all([
          realised,
          this.predict(market, event.symbol, event.candle.openTime, { realised }),
        ]);
      });
    }
    this.predictReaders(event);
  }

  /**
   * Forecasts for candles that came with no live event (REST catch-up after a stream outage, or
   * a worker that died during a burst): every stored candle after the production model's newest
   * prediction up to `until`, predicted in order and stored with their realised errors, not
   * published (the signals' catch-up decides them from the rows, marked late). A market without
   * a production model, or whose model has made no prediction yet, has nothing to catch up.
   * Returns how many candles were predicted.
   */
  async catchUp(market: MarketKey, until: number): Promise<number> {
    if (!this.isModelMarket(market)) {
      return 0;
    }
    const symbol = this.catalogue.baseOf(market.symbol);
    let predicted = 0;
    await this.enqueue(market, symbol, async () => {
      const production = await this.versions.production(market);
      const newest = production
        ? await this.predictions.newestOpenTime(production.id, market)
        : undefined;
      if (newest === undefined || newest >= until) {
        return;
      }
      const missed = await this.candles.find({
        ...market,
        from: newest + 1,
        to: until,
        limit: CATCH_UP_BATCH,
      });
      for (const candle of missed) {
        const realised = this.predictions.realise(market, candle.openTime, candle.close);
        await Promise.all([
          realised,
          this.predict(market, symbol, candle.openTime, { realised, publish: false }),
        ]);
        predicted++;
      }
      if (predicted) {
        this.logger.log(
          `Predicted ${predicted} ${market.symbol} ${market.interval} candle(s) late, up to ${new Date(until).toISOString()}`,
        );
      }
    });
    return predicted;
  }

  /** Serves and publishes the newest candle's forecast again (after a catch-up decided it). */
  async publishLatest(market: MarketKey): Promise<void> {
    if (!this.isModelMarket(market)) {
      return;
    }
    const symbol = this.catalogue.baseOf(market.symbol);
    await this.enqueue(market, symbol, () => this.refresh(market, symbol));
  }

  /**
   * Models that read this market's candles (`BTC/...` inputs) predict again at the candle: when
   * their own candle closed first, the other market's candle was not there yet and they made no
   * prediction. One that already did is not stored or published twice.
   */
  private predictReaders(event: CandleClosedEvent): void {
    for (const state of this.states.values()) {
      const { market } = state;
      if (
        market.interval === event.interval &&
        market.symbol !== event.pair &&
        state.production?.otherMarkets.includes(event.symbol) &&
        this.shards.owns(market)
      ) {
        void this.enqueue(market, state.symbol, () =>
          this.predict(market, state.symbol, event.candle.openTime),
        );
      }
    }
  }

  /**
   * New candles in a model market that serves no model yet (a backfill landing): its baseline
   * forecast is brought up to date within a second, and at most every 30 s a check runs whether
   * it has enough candles for its first model.
   */
  private onCandlesWritten(event: CandlesWrittenEvent): void {
    if (!this.isModelMarket(event)) {
      return;
    }
    const key = `${event.symbol}:${event.interval}`;
    if (this.states.get(key)?.production) {
      return;
    }
    if (!event.candle && !this.baselineTimers.has(key) && this.shards.owns(event)) {
      // A batch (the live path's single candles are forecast on candle.closed).
      const market = { exchange: event.exchange, symbol: event.symbol, interval: event.interval };
      const symbol = this.catalogue.baseOf(event.symbol);
      const timer = setTimeout(() => {
        this.baselineTimers.delete(key);
        void this.enqueue(market, symbol, () => this.refresh(market, symbol, false));
      }, 1000);
      timer.unref();
      this.baselineTimers.set(key, timer);
    }
    if (!this.config.get('MODEL_AUTO_TRAIN') || this.trainingCheckTimer) {
      return;
    }
    // Trailing: one check 30 s after the last, so a backfill that is still landing is counted whole.
    const waitMs = Math.max(0, this.lastTrainingCheck + 30_000 - Date.now());
    this.trainingCheckTimer = setTimeout(() => {
      this.trainingCheckTimer = undefined;
      this.lastTrainingCheck = Date.now();
      void this.queues
        .enqueue({ name: JobName.RetrainModels, payload: {}, exclusiveKey: 'after-write' })
        .catch((error: Error) =>
          this.logger.warn(`Could not queue the retraining check: ${error.message}`),
        );
    }, waitMs);
    this.trainingCheckTimer.unref();
  }

  /** A promotion or a retirement: predict with the new production model, or drop the old one. */
  private onProductionChanged(event: ModelPromotedEvent): void {
    if (!this.isModelMarket(event)) {
      return;
    }
    const market = { exchange: event.exchange, symbol: event.symbol, interval: event.interval };
    if (!this.shards.owns(market)) {
      // The owner loads the new model; here an old one must not stay loaded.
      const state = this.states.get(`${market.symbol}:${market.interval}`);
      if (state?.production) {
        this.models.drop(state.production.versionId);
        state.production = undefined;
      }
      return;
    }
    const symbol = this.catalogue.baseOf(event.symbol);
    void this.enqueue(market, symbol, () => this.refresh(market, symbol));
  }

  /** Predicts at the newest stored candle (at start, after a promotion, after a backfill). */
  private async refresh(market: MarketKey, symbol: string, force = true): Promise<void> {
    const last = await this.candles.lastOpenTime(market);
    if (last !== undefined) {
      await this.predict(market, symbol, last, { force });
    }
  }

  /**
   * The forecast at `openTime`, stored once per version and candle, then cached and published
   * unless `publish` is false. `force` publishes even when another worker stored it first;
   * `realised` is the write of realised errors that live accuracy waits for.
   */
  private async predict(
    market: MarketKey,
    symbol: string,
    openTime: number,
    options: { force?: boolean; realised?: Promise<unknown>; publish?: boolean } = {},
  ): Promise<void> {
    const force = options.force ?? false;
    const realised = options.realised ?? Promise.resolve();
    const publish = options.publish ?? true;
    // The baseline is served, never stored: a catch-up that only stores has nothing to do with it.
    const baseline = () =>
      publish ? this.predictBaseline(market, symbol, openTime, force) : Promise.resolve();
    const production = await this.versions.production(market);
    const state = this.state(market, symbol);
    if (state.production && state.production.versionId !== production?.id) {
      // Replaced or retired: the old version is never served again.
      this.models.drop(state.production.versionId);
      state.production = undefined;
    }
    if (!production) {
      // Retired (or never promoted): nothing may be served from an old model.
      await baseline();
      return;
    }
    state.production ??= {
      versionId: production.id,
      trainedAt: production.trainedAt?.getTime() ?? null,
      metrics: production.metrics,
      sentimentSource:
        typeof production.params.sentimentSource === 'string'
          ? production.params.sentimentSource
          : undefined,
      otherMarkets: [],
    };
    const served = state.production;
    if (served.calibrated === false) {
      await baseline();
      return;
    }
    const step = intervalMs(market.interval);
    let predicted:
      { forecast: ReturnType<typeof predictLatest>; nativeHorizon: number } | undefined;
    try {
      predicted = await this.models.use(
        served.versionId,
        () => this.loadProduction(market, served),
        async (trained) => {
          if (!trained.calibration) {
            return undefined;
          }
          const { tf } = await this.tensorflow.get();
          const inputs = await this.inputs.gather({
            symbol,
            interval: market.interval,
            candles: await this.recent.newest(market, {
              count: predictionWindow(trained, step),
              to: openTime,
            }),
            features: trained.features,
            sentiment: { source: served.sentimentSource },
          });
          const forecast = predictLatest({
            tf,
            trained,
            candles: inputs.candles,
            intervalMs: step,
            sentiment: inputs.sentiment?.values,
            markets: inputs.markets,
          });
          return { forecast, nativeHorizon: trained.params.horizon };
        },
      );
    } catch (error) {
      if (!(error instanceof MissingArtifactError)) {
        throw error;
      }
      this.logger.error(error.message);
      await baseline();
      return;
    }
    if (!predicted) {
      // Uncalibrated: it never serves, so it need not stay loaded.
      this.models.drop(served.versionId);
      await baseline();
      return;
    }
    const { forecast, nativeHorizon } = predicted;
    if (!forecast || forecast.openTime !== openTime) {
      return; // A gap in the window: no honest prediction at this candle.
    }
    const native =
      forecast.horizons.find((h) => h.horizon === nativeHorizon) ?? forecast.horizons[0]!;
    const [inserted, live] = await Promise.all([
      this.predictions.insert({
        modelVersionId: served.versionId,
        market,
        openTime,
        targetTime: openTime + native.horizon * step,
        horizon: native.horizon,
        lastClose: forecast.lastClose,
        predictedClose: forecast.lastClose * Math.exp(native.predictedReturn),
        predictedReturn: native.predictedReturn,
        probabilityUp: native.probabilityUp,
        horizons: forecast.horizons,
      }),
      realised.then(() => this.predictions.liveAccuracy(served.versionId)),
    ]);
    if ((!inserted && !force) || !publish) {
      return; // Another worker made this one already, or a catch-up stores it only.
    }
    const split = (served.metrics?.split ?? {}) as {
      model?: { mae?: number };
      persistence?: { mae?: number };
    };
    const scores = (served.metrics?.forecast ?? []) as HorizonScore[];
    await this.publish(
      market,
      cachedForecast({
        market,
        symbol,
        intervalMs: step,
        forecast,
        scores,
        model: {
          modelVersionId: served.versionId,
          trainedAt: served.trainedAt,
          testMae: split.model?.mae ?? null,
          testPersistenceMae: split.persistence?.mae ?? null,
          liveCount: live.count,
          liveMae: live.mae,
          livePersistenceMae: live.persistenceMae,
        },
      }),
    );
  }

  /** Loads a production model's artifact from PostgreSQL (first use, or again after an eviction). */
  private async loadProduction(
    market: MarketKey,
    served: ProductionModel,
  ): Promise<{ value: TrainedModel; weightBytes: number }> {
    const artifact = await this.versions.artifact(served.versionId);
    if (!artifact) {
      throw new MissingArtifactError(
        `Production model ${served.versionId} for ${market.symbol} ${market.interval} has no artifact; the baseline is served`,
      );
    }
    const { tf } = await this.tensorflow.get();
    const trained = await loadModel(tf, artifact);
    const reload = served.calibrated !== undefined;
    served.otherMarkets = featureMarkets(trained.features);
    served.calibrated = trained.calibration !== undefined;
    if (reload) {
      this.logger.debug(
        `Loaded model ${served.versionId} for ${market.symbol} ${market.interval} again after it was unloaded`,
      );
    } else {
      this.logger.log(
        `Loaded production model ${served.versionId} (${trained.kind}) for ${market.symbol} ${market.interval}`,
      );
    }
    if (!trained.calibration) {
      this.logger.warn(
        `Production model ${served.versionId} for ${market.symbol} ${market.interval} was trained before forecasts were calibrated; the baseline is served until a model trained since is promoted`,
      );
    }
    return { value: trained, weightBytes: artifact.weightData.byteLength };
  }

  /**
   * Persistence with its empirical intervals and volatility, for a market without a model that
   * passed: a client always gets a forecast, labelled `baseline`. Published once per candle across
   * workers (a Redis claim), or again when `force`d (start-up, a retirement).
   */
  private async predictBaseline(
    market: MarketKey,
    symbol: string,
    openTime: number,
    force: boolean,
  ): Promise<void> {
    const step = intervalMs(market.interval);
    const horizons = this.config.forecastHorizons(market.interval, symbol);
    // The baseline's window, and as many candles before for its record on its last forecasts.
    const candles = await this.recent.newest(market, {
      count: baselineWindow(horizons) + EMPIRICAL_WINDOW,
      to: openTime,
    });
    const forecast = baselineLatest({ candles, intervalMs: step, horizons });
    if (!forecast || forecast.openTime !== openTime) {
      await this.cache.clear(market); // Too little history (or a gap at the end): nothing honest.
      return;
    }
    const claimed = await this.redis.client.set(
      this.config.redisKey(
        'predictions',
        'baseline',
        market.symbol,
        market.interval,
        String(openTime),
      ),
      '1',
      'PX',
      Math.max(60_000, 2 * step),
      'NX',
    );
    if (claimed === null && !force) {
      return; // Another worker published it.
    }
    // The record on its last 500 forecasts moves by one forecast a candle: at a live close the
    // forecast goes out with the record as of the candle before, and the record is brought up to
    // date once the closing burst is decided (the heaviest part of a baseline forecast).
    const key = `${market.symbol}:${market.interval}`;
    const known = this.baselineRecords.get(key);
    const current = known?.openTime === openTime ? known.record : undefined;
    // The candle before's record, served while this candle's is computed after the burst.
    const previous = !force && known?.openTime === openTime - step ? known.record : undefined;
    const record =
      current ?? previous ?? baselineTrackRecord({ candles, intervalMs: step, horizons });
    if (!current && !previous) {
      this.baselineRecords.set(key, { openTime, record });
    }
    const served = (baselineRecord: BaselineTrackRecord[]) =>
      cachedForecast({
        market,
        symbol,
        intervalMs: step,
        forecast,
        scores: [],
        baselineRecord,
        model: null,
      });
    await this.publish(market, served(record));
    if (!current && previous) {
      void this.hotPath.idle().then(() =>
        this.enqueue(market, symbol, async () => {
          const updated = baselineTrackRecord({ candles, intervalMs: step, horizons });
          this.baselineRecords.set(key, { openTime, record: updated });
          const cached = await this.cache.read(market);
          if (cached?.kind === 'baseline' && cached.openTime === openTime) {
            await this.cache.write(market, served(updated));
          }
        }),
      );
    }
  }

  private async publish(market: MarketKey, cached: CachedPrediction): Promise<void> {
    await Promise.all([
      this.cache.write(market, cached),
      this.redis.publish(PREDICTION_UPDATED, JSON.stringify(cached)),
    ]);
  }
}

/** A forecast as it is cached and published: closes for each horizon, and the model's test scores. */
function cachedForecast(params: {
  market: MarketKey;
  symbol: string;
  intervalMs: number;
  forecast: { openTime: number; lastClose: number; horizons: HorizonForecast[] };
  scores: readonly HorizonScore[];
  /** The baseline's record on its last forecasts (its `test` scores). */
  baselineRecord?: readonly BaselineTrackRecord[];
  model: Pick<
    CachedPrediction,
    | 'modelVersionId'
    | 'trainedAt'
    | 'testMae'
    | 'testPersistenceMae'
    | 'liveCount'
    | 'liveMae'
    | 'livePersistenceMae'
  > | null;
}): CachedPrediction {
  const { market, forecast } = params;
  const close = (logReturn: number) => forecast.lastClose * Math.exp(logReturn);
  const horizons: CachedHorizon[] = forecast.horizons.map((h) => {
    const score = params.scores.find((s) => s.horizon === h.horizon);
    const record = params.baselineRecord?.find((r) => r.horizon === h.horizon && r.count > 0);
    return {
      horizon: h.horizon,
      targetTime: forecast.openTime + h.horizon * params.intervalMs,
      predictedReturn: h.predictedReturn,
      predictedClose: close(h.predictedReturn),
      median: h.median,
      lower: h.lower,
      upper: h.upper,
      lowerClose: close(h.lower),
      upperClose: close(h.upper),
      volatility: h.volatility,
      probabilityUp: h.probabilityUp,
      shrinkage: params.model ? (score?.shrinkage ?? null) : null,
      test: score
        ? {
            count: score.count,
            mae: score.point.model.mae,
            persistenceMae: score.point.persistence.mae,
            pValue: score.point.versusPersistence.pValue,
            coverage: score.band.model.coverage,
            empiricalCoverage: score.band.empirical.coverage,
            ewmaCoverage: score.band.ewma.coverage,
            brier: score.probabilityUp.model.brier,
            baseRateBrier: score.probabilityUp.baseRate.brier,
          }
        : record
          ? {
              count: record.count,
              mae: record.mae,
              persistenceMae: record.mae,
              pValue: 1,
              coverage: record.coverage,
              empiricalCoverage: record.coverage,
              ewmaCoverage: record.ewmaCoverage,
              brier: record.brier,
              baseRateBrier: record.baseRateBrier,
            }
          : null,
    };
  });
  const first = horizons[0]!;
  return {
    exchange: market.exchange,
    symbol: params.symbol,
    pair: market.symbol,
    interval: market.interval,
    kind: params.model ? 'model' : 'baseline',
    openTime: forecast.openTime,
    targetTime: first.targetTime,
    horizon: first.horizon,
    lastClose: forecast.lastClose,
    predictedClose: first.predictedClose,
    predictedReturn: first.predictedReturn,
    probabilityUp: first.probabilityUp,
    horizons,
    modelVersionId: params.model?.modelVersionId ?? null,
    trainedAt: params.model?.trainedAt ?? null,
    testMae: params.model?.testMae ?? null,
    testPersistenceMae: params.model?.testPersistenceMae ?? null,
    liveCount: params.model?.liveCount ?? 0,
    liveMae: params.model?.liveMae ?? null,
    livePersistenceMae: params.model?.livePersistenceMae ?? null,
    computedAt: Date.now(),
  };
}
