import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HotPath } from '../../cluster/hot-path';
import { MarketShards } from '../../cluster/market-shards.service';
import { AppConfig } from '../../config/app-config';
import type { MarketKey } from '../../market-data/candle';
import { CANDLES_WRITTEN, type CandlesWrittenEvent } from '../../market-data/candle-events';
import { CandlesRepository } from '../../market-data/candles.repository';
import { MarketCatalogue, intervalMs } from '../../market-data/market-catalogue';
import { ForecastCatchUp } from '../../models/live/forecast-catch-up';
import { PredictionsRepository } from '../../models/predictions.repository';
import { RedisService } from '../../redis/redis.service';
import { needsModel } from '../engine/strategy-definition';
import { SignalsRepository } from '../signals.repository';
import { ActiveStrategies } from './active-strategies';
import { SignalDecider, storedPrediction } from './signal-decider';

/** Candles one market and strategy catches up on per pass (a longer outage takes several). */
const BATCH = 500;

/**
 * In workers: decides the candles the live path did not, in order and marked late (`lateMs`).
 * The live path decides at each closed kline; candles that arrive by REST catch-up (after a
 * stream outage or while no worker ran) come with no such event. After the newest signal of each
 * active strategy and market, every stored candle older than the market's newest is decided at
 * once, and the newest too once it has been the newest for `SIGNAL_CATCH_UP_GRACE_MS` (the live
 * path's turn). Signals are unique per strategy, market and candle, so workers racing each other
 * or the live path store and publish each decision once.
 */
@Injectable()
export class SignalCatchUp implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SignalCatchUp.name);
  /** When each market's newest candle was first seen as the newest. */
  private readonly newestSeen = new Map<string, { openTime: number; at: number }>();
  private readonly running = new Map<string, Promise<void>>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly catalogue: MarketCatalogue,
    private readonly candles: CandlesRepository,
    private readonly strategies: ActiveStrategies,
    private readonly signals: SignalsRepository,
    private readonly predictions: PredictionsRepository,
    private readonly decider: SignalDecider,
    private readonly redis: RedisService,
    private readonly shards: MarketShards,
    private readonly hotPath: HotPath,
    private readonly lateForecasts: ForecastCatchUp,
  ) {}

  private get graceMs(): number {
    return this.config.get('SIGNAL_CATCH_UP_GRACE_MS');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.redis.subscribe(CANDLES_WRITTEN, (message) => {
      const event = JSON.parse(message) as CandlesWrittenEvent;
      if (!event.candle && this.shards.owns(event)) {
        // A bulk write (backfill, catch-up): what it holds older than the newest is due now.
        void this.catchUp({
          exchange: event.exchange,
          symbol: event.symbol,
          interval: event.interval,
        });
      }
    });
    // Markets taken over from a worker that left: its last candles are decided now, not after
    // the grace (nobody else will).
    this.shards.onGained((markets) => {
      for (const market of markets) {
        void this.catchUp(market, true);
      }
    });
    const every = Math.min(15_000, Math.max(500, this.graceMs / 2));
    this.timer = setInterval(() => void this.sweep(), every);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Every market of this worker's shard, caught up, each after the live path's work in flight. */
  async sweep(): Promise<void> {
    for (const market of this.catalogue.markets) {
      if (this.shards.owns(market)) {
        await this.hotPath.idle();
        await this.catchUp(market);
      }
    }
  }

  /**
   * One market caught up (one pass at a time per market in this process); with `newestNow` its
   * newest candle too, without waiting for the live path's grace.
   */
  catchUp(market: MarketKey, newestNow = false): Promise<void> {
    const key = `${market.exchange}:${market.symbol}:${market.interval}`;
    const running = this.running.get(key);
    if (running) {
      return running;
    }
    const pass = this.pass(market, newestNow)
      // A market taken over: its newest forecast is served and published again once decided
      // (a baseline's once-per-candle claim may be held by the worker that died).
      .then(() => (newestNow ? this.lateForecasts.publishLatest(market) : undefined))
      .catch((error: Error) =>
        this.logger.error(
          `Signal catch-up of ${market.symbol} ${market.interval}: ${error.message}`,
        ),
      )
      .finally(() => this.running.delete(key));
    this.running.set(key, pass);
    return pass;
  }

  private async pass(market: MarketKey, newestNow: boolean): Promise<void> {
    const newest = await this.candles.lastOpenTime(market);
    if (newest === undefined) {
      return;
    }
    const key = `${market.exchange}:${market.symbol}:${market.interval}`;
    const seen = this.newestSeen.get(key);
    if (!seen || seen.openTime !== newest) {
      this.newestSeen.set(key, { openTime: newest, at: Date.now() });
    }
    const newestDue =
      newestNow || Date.now() - (this.newestSeen.get(key)?.at ?? Date.now()) >= this.graceMs;
    const until = newestDue ? newest : newest - 1;
    const step = intervalMs(market.interval);
    const symbol = this.catalogue.baseOf(market.symbol);
    // Forecasts first: model rules decide late candles from the stored predictions.
    await this.lateForecasts.catchUp(market, until);
    const strategies = await this.strategies.list();
    const newestDecision = await this.signals.newestDecisions(
      strategies.map((strategy) => strategy.id),
      market,
    );
    for (const strategy of strategies) {
      const last = newestDecision.get(strategy.id);
      // Only after the strategy's newest decision: never the history before it decided live.
      if (last === undefined || last >= until) {
        continue;
      }
      const missed = await this.candles.find({
        ...market,
        from: last + 1,
        to: until,
        limit: BATCH,
      });
      if (!missed.length) {
        continue;
      }
      const { definition } = strategy;
      const predictions = needsModel(definition)
        ? await this.predictions.forRange(
            market,
            missed[0]!.openTime,
            missed[missed.length - 1]!.openTime,
          )
        : undefined;
      for (const candle of missed) {
        const prediction = predictions?.get(candle.openTime);
        await this.decider.decide({
          strategy: { id: strategy.id, name: strategy.name, version: strategy.version },
          definition,
          market,
          symbol,
          openTime: candle.openTime,
          prediction: prediction ? storedPrediction(prediction) : null,
          lateMs: Math.max(0, Date.now() - (candle.openTime + step)),
        });
      }
      this.logger.log(
        `Decided ${missed.length} ${market.symbol} ${market.interval} candle(s) late for ${strategy.name} v${strategy.version}`,
      );
    }
  }
}
