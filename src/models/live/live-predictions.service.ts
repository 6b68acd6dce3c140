import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
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
import { MarketCatalogue, intervalMs } from '../../market-data/market';
import { JobName } from '../../queue/queue.catalogue';
import { QueueService } from '../../queue/queue.service';
import { RedisService } from '../../redis/redis.service';
import { featureMarkets } from '../engine/feature-spec';
import { disposeModel, loadModel, type TrainedModel } from '../engine/lstm-model';
import {
  baselineTrackRecord,
  EMPIRICAL_WINDOW,
  type BaselineTrackRecord,
  type HorizonForecast,
  type HorizonScore,
} from '../engine/forecast';
import {
  baselineLatest,
  baselineWindow,
  predictLatest,
  predictionWindow,
} from '../engine/training-pipeline';
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
import { PredictionCache, type CachedHorizon, type CachedPrediction } from './prediction.cache';

interface MarketState {
  symbol: string;
  market: MarketKey;
  loaded?: {
    versionId: string;
    /** The sentiment series the model was trained on, if any. */
    sentimentSource?: string;
    /** Other markets (base assets) whose candles the model reads. */
    otherMarkets: string[];
    trained: TrainedModel;
    trainedAt: number | null;
    metrics: Record<string, unknown> | null;
  };
  queue: Promise<void>;
}

/**
 * The live model path in the worker: on every `candle.closed` of a model market, record the
 * realised error of the predictions that targeted that candle, then predict with the production
 * model (loaded from PostgreSQL once per version), store the row (once per version and candle),
 * cache it for `/predict` and publish `prediction.updated`. A promotion recomputes the latest
 * prediction at once. Also schedules retraining (`RETRAIN_EVERY`) and a market's first model.
 */
@Injectable()
export class LivePredictionsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LivePredictionsService.name);
  private readonly states = new Map<string, MarketState>();
  private lastTrainingCheck = 0;
  private trainingCheckTimer?: NodeJS.Timeout;
  private readonly baselineTimers = new Map<string, NodeJS.Timeout>();

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
  ) {}

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
      void this.enqueue(market, symbol, () => this.refresh(market, symbol));
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

  private enqueue(market: MarketKey, symbol: string, work: () => Promise<void>): Promise<void> {
    const state = this.state(market, symbol);
    state.queue = state.queue.then(work).catch((error: Error) => {
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
    void this.enqueue(market, event.symbol, async () => {
      // The realised error is written while the model predicts; live accuracy is read after it.
      const realised = this.predictions.realise(market, event.candle.openTime, event.candle.close);
      await Promise.all([
        realised,
        this.predict(market, event.symbol, event.candle.openTime, false, realised),
      ]);
    });
    this.predictReaders(event);
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
        state.loaded?.otherMarkets.includes(event.symbol)
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
    if (this.states.get(key)?.loaded) {
      return;
    }
    if (!event.candle && !this.baselineTimers.has(key)) {
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
    const symbol = this.catalogue.baseOf(event.symbol);
    void this.enqueue(market, symbol, () => this.refresh(market, symbol));
  }

  /** Predicts at the newest stored candle (at start, after a promotion, after a backfill). */
  private async refresh(market: MarketKey, symbol: string, force = true): Promise<void> {
    const last = await this.candles.lastOpenTime(market);
    if (last !== undefined) {
      await this.predict(market, symbol, last, force);
    }
  }

  private async predict(
    market: MarketKey,
    symbol: string,
    openTime: number,
    force = false,
    realised: Promise<unknown> = Promise.resolve(),
  ): Promise<void> {
    const production = await this.versions.production(market);
    const state = this.state(market, symbol);
    if (!production) {
      // Retired (or never promoted): nothing may be served from an old model.
      if (state.loaded) {
        disposeModel(state.loaded.trained);
        state.loaded = undefined;
      }
      await this.predictBaseline(market, symbol, openTime, force);
      return;
    }
    if (state.loaded?.versionId !== production.id) {
      const artifact = await this.versions.artifact(production.id);
      if (!artifact) {
        this.logger.error(
          `Production model ${production.id} for ${market.symbol} ${market.interval} has no artifact; the baseline is served`,
        );
        await this.predictBaseline(market, symbol, openTime, force);
        return;
      }
      const { tf } = await this.tensorflow.get();
      const trained = await loadModel(tf, artifact);
      if (state.loaded) {
        disposeModel(state.loaded.trained);
      }
      state.loaded = {
        versionId: production.id,
        trained,
        trainedAt: production.trainedAt?.getTime() ?? null,
        metrics: production.metrics,
        sentimentSource:
          typeof production.params.sentimentSource === 'string'
            ? production.params.sentimentSource
            : undefined,
        otherMarkets: featureMarkets(trained.features),
      };
      this.logger.log(
        `Loaded production model ${production.id} (${trained.kind}) for ${market.symbol} ${market.interval}`,
      );
      if (!trained.calibration) {
        this.logger.warn(
          `Production model ${production.id} for ${market.symbol} ${market.interval} was trained before forecasts were calibrated; the baseline is served until a model trained since is promoted`,
        );
      }
    }
    const loaded = state.loaded;
    if (!loaded.trained.calibration) {
      await this.predictBaseline(market, symbol, openTime, force);
      return;
    }
    const { tf } = await this.tensorflow.get();
    const step = intervalMs(market.interval);
    const inputs = await this.inputs.gather({
      symbol,
      interval: market.interval,
      candles: await this.recent.newest(market, {
        count: predictionWindow(loaded.trained, step),
        to: openTime,
      }),
      features: loaded.trained.features,
      sentiment: { source: loaded.sentimentSource },
    });
    const forecast = predictLatest({
      tf,
      trained: loaded.trained,
      candles: inputs.candles,
      intervalMs: step,
      sentiment: inputs.sentiment?.values,
      markets: inputs.markets,
    });
    if (!forecast || forecast.openTime !== openTime) {
      return; // A gap in the window: no honest prediction at this candle.
    }
    const native =
      forecast.horizons.find((h) => h.horizon === loaded.trained.params.horizon) ??
      forecast.horizons[0]!;
    const [inserted, live] = await Promise.all([
      this.predictions.insert({
        modelVersionId: loaded.versionId,
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
      realised.then(() => this.predictions.liveAccuracy(loaded.versionId)),
    ]);
    if (!inserted && !force) {
      return; // Another worker made this one already.
    }
    const split = (loaded.metrics?.split ?? {}) as {
      model?: { mae?: number };
      persistence?: { mae?: number };
    };
    const scores = (loaded.metrics?.forecast ?? []) as HorizonScore[];
    await this.publish(
      market,
      cachedForecast({
        market,
        symbol,
        intervalMs: step,
        forecast,
        scores,
        model: {
          modelVersionId: loaded.versionId,
          trainedAt: loaded.trainedAt,
          testMae: split.model?.mae ?? null,
          testPersistenceMae: split.persistence?.mae ?? null,
          liveCount: live.count,
          liveMae: live.mae,
          livePersistenceMae: live.persistenceMae,
        },
      }),
    );
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
    const record = baselineTrackRecord({ candles, intervalMs: step, horizons });
    await this.publish(
      market,
      cachedForecast({
        market,
        symbol,
        intervalMs: step,
        forecast,
        scores: [],
        baselineRecord: record,
        model: null,
      }),
    );
  }

  private async publish(market: MarketKey, cached: CachedPrediction): Promise<void> {
    await Promise.all([
      this.cache.write(market, cached),
      this.redis.publish(PREDICTION_UPDATED, JSON.stringify(cached)),
    ]);
  }
}

/** A forecast as it is cached and published: closes for each horizon, and the model's test scores. */
export function cachedForecast(params: {
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
