import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { MAX_TIME_MS } from '../common/time-param';
import { RedisService } from '../redis/redis.service';
import type { Candle, MarketKey } from './candle';
import { CANDLES_WRITTEN, type CandlesWrittenEvent } from './candle-events';
import { CandlesRepository } from './candles.repository';
import { intervalMs } from './market-catalogue';

/** Newest candles kept per market; larger requests go to the database. */
const MAX_CANDLES = 5000;
/** Loaded at least this many, so requests of different sizes share one load. */
const MIN_LOAD = 2048;
/** An entry is trusted this long without a reload (events keep it right; a Redis reconnect clears all). */
const MAX_AGE_MS = 300_000;

interface Entry {
  candles: Candle[];
  /** The market has no candles older than the first one held. */
  complete: boolean;
  loadedAt: number;
}

/**
 * The newest candles of each market in memory, for reads that want "the last N candles" many
 * times a second (indicators, predictions). Any committed write to a market's candles
 * (`candles.written`, published after the commit) drops its entry in every process; entries also
 * expire 5 minutes after they were loaded or last extended, and all are dropped when the Redis
 * subscription reconnects. A single live candle that extends the tail is appended instead of
 * dropping the entry.
 */
@Injectable()
export class CandleWindowCache implements OnApplicationBootstrap {
  private readonly entries = new Map<string, Entry>();
  /** Bumped on every invalidation, so a load that raced a write is not kept. */
  private readonly generations = new Map<string, number>();
  /** Loads from the table in flight, by market. */
  private readonly loading = new Map<
    string,
    { generation: number; limit: number; entry: Promise<Entry> }
  >();

  constructor(
    private readonly redis: RedisService,
    private readonly candles: CandlesRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.redis.subscribe(
      CANDLES_WRITTEN,
      (message) => this.onWritten(JSON.parse(message) as CandlesWrittenEvent),
      () => {
        this.entries.clear();
        this.generations.clear();
      },
    );
  }

  /** Markets held and the candles held for them (for `/metrics`). */
  stats(): { entries: number; candles: number } {
    let candles = 0;
    for (const entry of this.entries.values()) {
      candles += entry.candles.length;
    }
    return { entries: this.entries.size, candles };
  }

  private static key(market: MarketKey): string {
    return `${market.exchange}\t${market.symbol}\t${market.interval}`;
  }

  /**
   * A single candle at the tail is appended (the live path), or replaces the last one held when it
   * is that candle written again (the closing kline of a candle a REST catch-up stored first);
   * anything else drops the entry.
   */
  private onWritten(event: CandlesWrittenEvent): void {
    const key = CandleWindowCache.key(event);
    const entry = this.entries.get(key);
    const candle = event.candle;
    const last = entry?.candles[entry.candles.length - 1];
    if (entry && candle && last && candle.openTime === last.openTime) {
      entry.candles[entry.candles.length - 1] = candle;
      this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
      return;
    }
    if (entry && candle && last && candle.openTime === last.openTime + intervalMs(event.interval)) {
      entry.candles.push(candle);
      // Extended by the event chain, the entry is as current as a fresh load: an hourly market's
      // window stays loaded from one close to the next instead of expiring in between.
      entry.loadedAt = Date.now();
      if (entry.candles.length > MAX_CANDLES) {
        entry.candles.shift();
        entry.complete = false;
      }
      this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
      return;
    }
    this.invalidate(event);
  }

  invalidate(market: MarketKey): void {
    const key = CandleWindowCache.key(market);
    this.entries.delete(key);
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
  }

  /** The newest `count` candles with open time at or before `to`, ascending. */
  async newest(market: MarketKey, params: { count: number; to: number }): Promise<Candle[]> {
    const key = CandleWindowCache.key(market);
    const entry = this.entries.get(key);
    const fresh = entry && Date.now() - entry.loadedAt < MAX_AGE_MS;
    if (entry && fresh) {
      const served = this.serve(entry, params);
      if (served) {
        return served;
      }
    }
    // Older than the window held, or larger than any window kept: straight from the table.
    if (fresh || params.count > MAX_CANDLES) {
      return this.candles.find({
        ...market,
        from: 0,
        to: params.to,
        limit: params.count,
        newest: true,
      });
    }
    const loadedEntry = await this.load(market, key, params.count);
    return (
      this.serve(loadedEntry, params) ??
      this.candles.find({ ...market, from: 0, to: params.to, limit: params.count, newest: true })
    );
  }

  /**
   * The market's newest candles from the table, kept unless a write came meanwhile. Concurrent
   * callers (a closing burst asks for each market's window from several paths at once) share one
   * load.
   */
  private load(market: MarketKey, key: string, count: number): Promise<Entry> {
    const generation = this.generations.get(key) ?? 0;
    const limit = Math.min(MAX_CANDLES, Math.max(MIN_LOAD, count));
    const running = this.loading.get(key);
    if (running && running.generation === generation && running.limit >= limit) {
      return running.entry;
    }
    const entry = this.candles
      .find({ ...market, from: 0, to: MAX_TIME_MS, limit, newest: true })
      .then((loaded) => {
        const loadedEntry: Entry = {
          candles: loaded,
          complete: loaded.length < limit,
          loadedAt: Date.now(),
        };
        if ((this.generations.get(key) ?? 0) === generation) {
          this.entries.set(key, loadedEntry);
        }
        return loadedEntry;
      })
      .finally(() => {
        if (this.loading.get(key)?.entry === entry) {
          this.loading.delete(key);
        }
      });
    this.loading.set(key, { generation, limit, entry });
    return entry;
  }

  /**
   * The newest `count` candles ending with the one that opens at `openTime`, or undefined when
   * that candle is not stored. A candle just committed may not be in the window yet (its
   * `candles.written` is still on its way): then the table answers, so a decision at a candle
   * another process just wrote sees that candle.
   */
  async endingAt(
    market: MarketKey,
    params: { count: number; openTime: number },
  ): Promise<Candle[] | undefined> {
    let candles = await this.newest(market, { count: params.count, to: params.openTime });
    if (candles[candles.length - 1]?.openTime !== params.openTime) {
      candles = await this.candles.find({
        ...market,
        from: 0,
        to: params.openTime,
        limit: params.count,
        newest: true,
      });
    }
    return candles[candles.length - 1]?.openTime === params.openTime ? candles : undefined;
  }

  /** The answer from an entry, or undefined when the entry cannot tell (too few candles held). */
  private serve(entry: Entry, params: { count: number; to: number }): Candle[] | undefined {
    const candles = entry.candles;
    let end = candles.length;
    while (end > 0 && candles[end - 1]!.openTime > params.to) {
      end--;
    }
    if (end >= params.count) {
      return candles.slice(end - params.count, end);
    }
    return entry.complete ? candles.slice(0, end) : undefined;
  }
}
