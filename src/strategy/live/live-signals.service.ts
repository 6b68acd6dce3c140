import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HotPath } from '../../cluster/hot-path';
import { MarketShards } from '../../cluster/market-shards.service';
import type { MarketKey } from '../../market-data/candle';
import { CANDLE_CLOSED, type CandleClosedEvent } from '../../market-data/candle-events';
import { MarketCatalogue } from '../../market-data/market-catalogue';
import type { CachedPrediction } from '../../models/live/prediction.cache';
import { PREDICTION_UPDATED } from '../../models/model-events';
import { ProductionVersions } from '../../models/production-versions';
import { RedisService } from '../../redis/redis.service';
import { needsModel } from '../engine/strategy-definition';
import { ActiveStrategies } from './active-strategies';
import { livePrediction, SignalDecider } from './signal-decider';

/**
 * Live decisions in the worker, for the markets of this worker's shard (MarketShards): on `prediction.updated` every active strategy that reads the model
 * decides for that market and candle; on `candle.closed` the strategies that need no model, and
 * all of them for a market without a production model (its model rules simply do not fire). One
 * signal per strategy version, market and candle (a unique key), `signal.created` published once.
 */
@Injectable()
export class LiveSignalsService implements OnApplicationBootstrap {
  private readonly logger = new Logger(LiveSignalsService.name);
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly redis: RedisService,
    private readonly catalogue: MarketCatalogue,
    private readonly strategies: ActiveStrategies,
    private readonly decider: SignalDecider,
    private readonly productionVersions: ProductionVersions,
    private readonly shards: MarketShards,
    private readonly hotPath: HotPath,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.redis.subscribe(CANDLE_CLOSED, (message) => {
      const event = JSON.parse(message) as CandleClosedEvent;
      const market = { exchange: event.exchange, symbol: event.pair, interval: event.interval };
      if (this.shards.owns(market)) {
        this.shards.countDecided();
        this.enqueue(market, () => this.onCandle(market, event.symbol, event.candle.openTime));
      }
    });
    await this.redis.subscribe(PREDICTION_UPDATED, (message) => {
      const prediction = JSON.parse(message) as CachedPrediction;
      const market = {
        exchange: prediction.exchange,
        symbol: prediction.pair,
        interval: prediction.interval,
      };
      if (this.shards.owns(market)) {
        this.enqueue(market, () => this.onPrediction(market, prediction));
      }
    });
  }

  /** One market's decisions in arrival order, ahead of background jobs in this process. */
  private enqueue(market: MarketKey, work: () => Promise<void>): void {
    const key = `${market.symbol}:${market.interval}`;
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.hotPath.run(work))
      .catch((error: Error) => {
        this.logger.error(
          `Signals for ${market.symbol} ${market.interval} failed: ${error.message}`,
        );
      });
    this.queues.set(key, next);
  }

  private async onCandle(market: MarketKey, symbol: string, openTime: number): Promise<void> {
    if (market.exchange !== this.catalogue.exchange) {
      return;
    }
    const hasModel = (await this.productionVersions.of(market)) !== null;
    for (const strategy of await this.strategies.list()) {
      const { definition } = strategy;
      if (!needsModel(definition) || !hasModel) {
        await this.decider.decide({
          strategy,
          definition,
          market,
          symbol,
          openTime,
          prediction: null,
        });
      }
    }
  }

  private async onPrediction(market: MarketKey, prediction: CachedPrediction): Promise<void> {
    if (prediction.kind !== 'model') {
      return; // The baseline carries no model signal: model rules wait for a model (onCandle decides).
    }
    for (const strategy of await this.strategies.list()) {
      const { definition } = strategy;
      if (needsModel(definition)) {
        await this.decider.decide({
          strategy,
          definition,
          market,
          symbol: prediction.symbol,
          openTime: prediction.openTime,
          prediction: livePrediction(prediction),
        });
      }
    }
  }
}
