import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
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
import { disposeModel, loadModel, type TrainedModel } from '../engine/lstm-model';
import { predictLatest, predictionWindow } from '../engine/training-pipeline';
import {
  MODEL_PROMOTED,
  MODEL_RETIRED,
  PREDICTION_UPDATED,
  type ModelPromotedEvent,
} from '../model-events';
import { ModelSentiment } from '../model-sentiment';
import { ModelVersionsRepository } from '../model-versions.repository';
import { PredictionsRepository } from '../predictions.repository';
import { TensorFlowProvider } from '../tensorflow.provider';
import { PredictionCache, type CachedPrediction } from './prediction.cache';

interface MarketState {
  symbol: string;
  loaded?: {
    versionId: string;
    /** The sentiment series the model was trained on, if any. */
    sentimentSource?: string;
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
export class LivePredictionsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(LivePredictionsService.name);
  private readonly states = new Map<string, MarketState>();
  private lastTrainingCheck = 0;
  private trainingCheckTimer?: NodeJS.Timeout;

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
    private readonly sentiment: ModelSentiment,
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

  private state(market: MarketKey, symbol: string): MarketState {
    const key = `${market.symbol}:${market.interval}`;
    let state = this.states.get(key);
    if (!state) {
      state = { symbol, queue: Promise.resolve() };
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
  }

  /**
   * New candles in a model market that serves no model yet (a backfill landing): check at once,
   * at most every 30 s, whether it has enough candles for its first model.
   */
  private onCandlesWritten(event: CandlesWrittenEvent): void {
    if (!this.config.get('MODEL_AUTO_TRAIN') || !this.isModelMarket(event)) {
      return;
    }
    if (this.states.get(`${event.symbol}:${event.interval}`)?.loaded || this.trainingCheckTimer) {
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

  /** Predicts at the newest stored candle (at start and after a promotion). */
  private async refresh(market: MarketKey, symbol: string): Promise<void> {
    const last = await this.candles.lastOpenTime(market);
    if (last !== undefined) {
      await this.predict(market, symbol, last, true);
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
      // Retired (or never promoted): nothing may be served from an old model, including a
      // prediction this worker wrote while the retirement cleared the cache.
      if (state.loaded) {
        disposeModel(state.loaded.trained.model);
        state.loaded = undefined;
        await this.cache.clear(market);
      }
      return;
    }
    if (state.loaded?.versionId !== production.id) {
      const artifact = await this.versions.artifact(production.id);
      if (!artifact) {
        this.logger.error(
          `Production model ${production.id} for ${market.symbol} ${market.interval} has no artifact; nothing is predicted`,
        );
        return;
      }
      const { tf } = await this.tensorflow.get();
      const trained = await loadModel(tf, artifact);
      if (state.loaded) {
        disposeModel(state.loaded.trained.model);
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
      };
      this.logger.log(
        `Loaded production model ${production.id} for ${market.symbol} ${market.interval}`,
      );
    }
    const { tf } = await this.tensorflow.get();
    const step = intervalMs(market.interval);
    const loaded = state.loaded;
    const candles = await this.recent.newest(market, {
      count: predictionWindow(loaded.trained, step),
      to: openTime,
    });
    const sentiment = loaded.trained.features.includes('sentiment')
      ? await this.sentiment.column({
          symbol,
          candles,
          intervalMs: step,
          minCoverage: 0,
          source: loaded.sentimentSource,
        })
      : undefined;
    const prediction = predictLatest({
      tf,
      trained: loaded.trained,
      candles,
      intervalMs: step,
      sentiment: sentiment?.values,
    });
    if (!prediction || prediction.openTime !== openTime) {
      return; // A gap in the window: no honest prediction at this candle.
    }
    const horizon = loaded.trained.params.horizon;
    const [inserted, live] = await Promise.all([
      this.predictions.insert({
        modelVersionId: loaded.versionId,
        market,
        openTime,
        targetTime: openTime + horizon * step,
        horizon,
        lastClose: prediction.lastClose,
        predictedClose: prediction.predictedClose,
        predictedReturn: prediction.predictedReturn,
        probabilityUp: prediction.probabilityUp,
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
    const cached: CachedPrediction = {
      exchange: market.exchange,
      symbol,
      pair: market.symbol,
      interval: market.interval,
      openTime,
      targetTime: openTime + horizon * step,
      horizon,
      lastClose: prediction.lastClose,
      predictedClose: prediction.predictedClose,
      predictedReturn: prediction.predictedReturn,
      probabilityUp: prediction.probabilityUp,
      modelVersionId: loaded.versionId,
      trainedAt: loaded.trainedAt,
      testMae: split.model?.mae ?? null,
      testPersistenceMae: split.persistence?.mae ?? null,
      liveCount: live.count,
      liveMae: live.mae,
      livePersistenceMae: live.persistenceMae,
      computedAt: Date.now(),
    };
    await Promise.all([
      this.cache.write(market, cached),
      this.redis.publish(PREDICTION_UPDATED, JSON.stringify(cached)),
    ]);
  }
}
