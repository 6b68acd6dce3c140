import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { HotPath } from '../../cluster/hot-path';
import { MarketShards } from '../../cluster/market-shards.service';
import type { Candle, MarketKey } from '../../market-data/candle';
import {
  CANDLE_CLOSED,
  CANDLES_WRITTEN,
  type CandleClosedEvent,
  type CandlesWrittenEvent,
} from '../../market-data/candle-events';
import { CandleWindowCache } from '../../market-data/candle-window.cache';
import { CandlesRepository } from '../../market-data/candles.repository';
import { MarketCatalogue, intervalMs } from '../../market-data/market-catalogue';
import { RedisService } from '../../redis/redis.service';
import { IncrementalIndicators } from '../engine/incremental-indicators';
import { defaultIndicatorSpecs, type IndicatorSpec } from '../engine/indicator-spec';
import { seedCandles } from '../indicator-window';
import { INDICATORS_UPDATED, type IndicatorsUpdatedEvent } from '../indicator-events';
import { LiveIndicatorsCache, type LiveIndicatorValues } from './live-indicators.cache';

/** How long after a market's last batch write (a backfill landing) its state is warmed. */
const WARM_AFTER_WRITE_MS = 1000;

interface MarketState {
  /** Undefined until rebuilt from the database. */
  indicators?: IncrementalIndicators;
  /** Candles are processed one at a time per market, in arrival order. */
  queue: Promise<void>;
}

/**
 * Keeps the whole catalogue (at default parameters) current for every configured market, one
 * closed candle at a time: `candle.closed` -> incremental update (microseconds) -> cached for the
 * api -> `indicators.updated` for the rest of the live path. The state is rebuilt from the
 * database at start and whenever a candle does not follow the last one (a missed event, a gap),
 * and warmed, without publishing, a second after a backfill or catch-up batch lands, so the next
 * closing burst only advances it instead of replaying every market's history at once.
 * Each worker does this for the markets of its shard (MarketShards); the cache keeps the newest
 * candle's values, so duplicates during a change of shards are harmless.
 */
@Injectable()
export class LiveIndicatorsService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LiveIndicatorsService.name);
  readonly specs: readonly IndicatorSpec[] = defaultIndicatorSpecs();
  private readonly states = new Map<string, MarketState>();
  private readonly warmTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly redis: RedisService,
    private readonly candles: CandlesRepository,
    private readonly recent: CandleWindowCache,
    private readonly catalogue: MarketCatalogue,
    private readonly cache: LiveIndicatorsCache,
    private readonly shards: MarketShards,
    private readonly hotPath: HotPath,
  ) {}

  /** Markets whose incremental indicator state is held in this process (for `/metrics`). */
  get windowCount(): number {
    let count = 0;
    for (const state of this.states.values()) {
      if (state.indicators) {
        count++;
      }
    }
    return count;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.redis.subscribe(
      CANDLE_CLOSED,
      (message) => this.onCandleClosed(JSON.parse(message) as CandleClosedEvent),
      // Events were lost while Redis was away: rebuild from the database on the next candle.
      () => this.states.forEach((state) => (state.indicators = undefined)),
    );
    // Markets taken over from a worker that left: their newest candle's values are published
    // again (the worker may have died before it did).
    this.shards.onGained((gained) => {
      gained.forEach((market) => this.rebuildNewest(market));
    });
    this.catalogue.markets
      .filter((market) => this.shards.owns(market))
      .forEach((market) => this.rebuildNewest(market));
    await this.redis.subscribe(CANDLES_WRITTEN, (message) =>
      this.onCandlesWritten(JSON.parse(message) as CandlesWrittenEvent),
    );
  }

  onModuleDestroy(): void {
    this.warmTimers.forEach((timer) => clearTimeout(timer));
    this.warmTimers.clear();
  }

  /**
   * A batch of candles landed (backfill, gap repair, REST catch-up): once the market's writes
   * pause for a second, its state is rebuilt up to the newest stored candle without publishing.
   * Single candles (the live path) advance on `candle.closed` instead.
   */
  private onCandlesWritten(event: CandlesWrittenEvent): void {
    const market = { exchange: event.exchange, symbol: event.symbol, interval: event.interval };
    if (
      event.candle ||
      event.exchange !== this.catalogue.exchange ||
      !this.catalogue.intervals.includes(event.interval) ||
      !this.shards.owns(market)
    ) {
      return;
    }
    const key = `${market.symbol}:${market.interval}`;
    clearTimeout(this.warmTimers.get(key));
    const timer = setTimeout(() => {
      this.warmTimers.delete(key);
      void this.enqueue(market, () => this.warm(market));
    }, WARM_AFTER_WRITE_MS);
    timer.unref();
    this.warmTimers.set(key, timer);
  }

  /** Rebuilds the state up to the newest stored candle unless it is already there; publishes nothing. */
  private async warm(market: MarketKey): Promise<void> {
    const last = await this.candles.lastOpenTime(market);
    if (last === undefined || last <= (this.state(market).indicators?.lastCandleOpenTime ?? -1)) {
      return;
    }
    const window = await this.seedWindow(market, last);
    if (window.length > 0) {
      this.state(market).indicators = IncrementalIndicators.fromHistory(window, this.specs);
    }
  }

  /**
   * The newest candles up to `openTime`, as many as the catalogue needs to be exact at it, through
   * the window cache: a warm-up thereby loads the window the market's forecasts and signals read
   * at its next close too.
   */
  private seedWindow(market: MarketKey, openTime: number): Promise<Candle[]> {
    return this.recent.newest(market, {
      count: seedCandles(this.specs, intervalMs(market.interval)) + 1,
      to: openTime,
    });
  }

  private rebuildNewest(market: MarketKey): void {
    const symbol = this.catalogue.baseOf(market.symbol);
    void this.enqueue(market, async () => {
      const last = await this.candles.lastOpenTime(market);
      if (last !== undefined) {
        await this.rebuild(market, symbol, last);
      }
    });
  }

  private onCandleClosed(event: CandleClosedEvent): void {
    if (event.exchange !== this.catalogue.exchange) {
      return;
    }
    const market = { exchange: event.exchange, symbol: event.pair, interval: event.interval };
    if (!this.shards.owns(market)) {
      // Another worker's market (or no longer ours): its state is rebuilt if it comes back.
      this.states.delete(`${market.symbol}:${market.interval}`);
      return;
    }
    void this.enqueue(market, () => this.advance(market, event.symbol, event.candle));
  }

  private state(market: MarketKey): MarketState {
    const key = `${market.symbol}:${market.interval}`;
    let state = this.states.get(key);
    if (!state) {
      state = { queue: Promise.resolve() };
      this.states.set(key, state);
    }
    return state;
  }

  private enqueue(market: MarketKey, work: () => Promise<void>): Promise<void> {
    const state = this.state(market);
    state.queue = state.queue
      .then(() => this.hotPath.run(work))
      .catch((error: Error) => {
        this.logger.error(
          `Indicators of ${market.symbol} ${market.interval} not updated: ${error.message}`,
        );
        state.indicators = undefined;
      });
    return state.queue;
  }

  private async advance(market: MarketKey, symbol: string, candle: Candle): Promise<void> {
    const state = this.state(market);
    const last = state.indicators?.lastCandleOpenTime;
    if (last !== undefined && candle.openTime <= last) {
      return; // Delivered twice, or older than what the state has seen.
    }
    if (
      !state.indicators ||
      last === undefined ||
      candle.openTime !== last + intervalMs(market.interval)
    ) {
      await this.rebuild(market, symbol, candle.openTime);
      return;
    }
    const values = state.indicators.next(candle);
    await this.publish(market, symbol, candle, values);
  }

  /** Replays the seed window from the database up to `openTime` and publishes that candle's values. */
  private async rebuild(market: MarketKey, symbol: string, openTime: number): Promise<void> {
    const window = await this.seedWindow(market, openTime);
    const lastCandle = window[window.length - 1];
    if (!lastCandle) {
      return;
    }
    const indicators = IncrementalIndicators.fromHistory(window.slice(0, -1), this.specs);
    const values = indicators.next(lastCandle);
    this.state(market).indicators = indicators;
    await this.publish(market, symbol, lastCandle, values);
  }

  private async publish(
    market: MarketKey,
    symbol: string,
    candle: Candle,
    values: ReturnType<IncrementalIndicators['next']>,
  ): Promise<void> {
    const live: LiveIndicatorValues = {
      openTime: candle.openTime,
      close: candle.close,
      values: Object.fromEntries(this.specs.map((spec, index) => [spec.key, values[index] ?? {}])),
    };
    await this.cache.write(market, live);
    const event: IndicatorsUpdatedEvent = {
      ...live,
      exchange: market.exchange,
      symbol,
      pair: market.symbol,
      interval: market.interval,
    };
    await this.redis.publish(INDICATORS_UPDATED, JSON.stringify(event));
  }
}
