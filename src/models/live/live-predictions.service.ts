import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { MarketShards } from '../../cluster/market-shards.service';
import {
  CANDLE_CLOSED,
  CANDLES_WRITTEN,
  type CandleClosedEvent,
  type CandlesWrittenEvent,
} from '../../market-data/candle-events';
import { MarketCatalogue } from '../../market-data/market-catalogue';
import { RedisService } from '../../redis/redis.service';
import { MODEL_PROMOTED, MODEL_RETIRED, type ModelPromotedEvent } from '../model-events';
import { PredictionsRepository } from '../predictions.repository';
import { TensorFlowProvider } from '../tensorflow.provider';
import { BackfillForecasts } from './backfill-forecasts';
import { LiveForecaster } from './live-forecaster';
import { LiveMarkets } from './live-markets';
import { ProductionVersions } from '../production-versions';
import { ProductionModels } from './production-models';
import { TrainingChecks } from './training-checks';

/**
 * The live model path in the worker: on every `candle.closed` of a model market, record the
 * realised error of the predictions that targeted that candle, then forecast at it
 * (`LiveForecaster`). A promotion recomputes the latest prediction at once. At start-up every
 * market this worker owns is forecast at its newest candle; new markets get a baseline and their
 * first model (`BackfillForecasts`, `TrainingChecks`).
 */
@Injectable()
export class LivePredictionsService implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(LivePredictionsService.name);

  constructor(
    private readonly catalogue: MarketCatalogue,
    private readonly redis: RedisService,
    private readonly predictions: PredictionsRepository,
    private readonly tensorflow: TensorFlowProvider,
    private readonly shards: MarketShards,
    private readonly liveMarkets: LiveMarkets,
    private readonly production: ProductionModels,
    private readonly productionVersions: ProductionVersions,
    private readonly forecaster: LiveForecaster,
    private readonly backfills: BackfillForecasts,
    private readonly trainingChecks: TrainingChecks,
  ) {}

  /**
   * TensorFlow.js is loaded while the worker's modules start, before the start-up traffic of the
   * bootstrap hooks: loading it holds the event loop for 200-300 ms here, and longer on a loaded
   * machine, where a Redis command in flight meanwhile can pass its 2 s timeout although Redis
   * answered in time.
   */
  async onModuleInit(): Promise<void> {
    await this.tensorflow.get();
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
    for (const { symbol, market } of this.liveMarkets.all) {
      if (this.shards.owns(market)) {
        void this.liveMarkets.enqueue(market, symbol, () =>
          this.forecaster.refresh(market, symbol),
        );
      }
    }
    await this.redis.subscribe(CANDLES_WRITTEN, (message) =>
      this.backfills.onCandlesWritten(JSON.parse(message) as CandlesWrittenEvent),
    );
    await this.trainingChecks.atStartUp();
  }

  private onCandleClosed(event: CandleClosedEvent): void {
    if (!this.liveMarkets.isModelMarket(event)) {
      return;
    }
    const market = { exchange: event.exchange, symbol: event.pair, interval: event.interval };
    if (this.shards.owns(market)) {
      void this.liveMarkets.enqueue(market, event.symbol, async () => {
        // The realised error is written while the model predicts; live accuracy is read after it.
        const realised = this.predictions.realise(
          market,
          event.candle.openTime,
          event.candle.close,
        );
        await Promise.all([
          realised,
          this.forecaster.predict({
            market,
            symbol: event.symbol,
            openTime: event.candle.openTime,
            realised,
          }),
        ]);
      });
    }
    this.predictReaders(event);
  }

  /**
   * Models that read this market's candles (`BTC/...` inputs) predict again at the candle: when
   * their own candle closed first, the other market's candle was not there yet and they made no
   * prediction. One that already did is not stored or published twice.
   */
  private predictReaders(event: CandleClosedEvent): void {
    for (const state of this.liveMarkets.worked()) {
      const { market } = state;
      if (
        market.interval === event.interval &&
        market.symbol !== event.pair &&
        state.production?.otherMarkets.includes(event.symbol) &&
        this.shards.owns(market)
      ) {
        void this.liveMarkets.enqueue(market, state.symbol, () =>
          this.forecaster.predict({
            market,
            symbol: state.symbol,
            openTime: event.candle.openTime,
          }),
        );
      }
    }
  }

  /** A promotion or a retirement: predict with the new production model, or drop the old one. */
  private onProductionChanged(event: ModelPromotedEvent): void {
    // Before the new model is looked up below (this handler may run before the snapshot's own).
    this.productionVersions.changed();
    if (!this.liveMarkets.isModelMarket(event)) {
      return;
    }
    const market = { exchange: event.exchange, symbol: event.symbol, interval: event.interval };
    if (!this.shards.owns(market)) {
      // The owner loads the new model; here an old one must not stay loaded.
      this.production.forget(market);
      return;
    }
    const symbol = this.catalogue.baseOf(event.symbol);
    void this.liveMarkets.enqueue(market, symbol, () => this.forecaster.refresh(market, symbol));
  }
}
