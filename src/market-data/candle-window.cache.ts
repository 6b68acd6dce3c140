import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { MAX_TIME_MS } from '../common/time-param';
import { RedisService } from '../redis/redis.service';
import type { Candle, MarketKey } from './candle';
import { CANDLES_WRITTEN, type CandlesWrittenEvent } from './candle-events';
import { CandlesRepository } from './candles.repository';

/** Newest candles kept per market; larger requests go to the database. */
const MAX_CANDLES = 5000;
/** Loaded at least this many, so requests of different sizes share one load. */
const MIN_LOAD = 2048;
/** An entry is trusted this long even without events (a lost pub/sub message heals by then). */
const MAX_AGE_MS = 10_000;

interface Entry {
  candles: Candle[];
  /** The market has no candles older than the first one held. */
  complete: boolean;
  loadedAt: number;
}

/**
 * The newest candles of each market in memory, for reads that want "the last N candles" many
 * times a second (indicators, predictions). Any committed write to a market's candles
 * (`candles.written`, published by the repository) drops its entry in every process; entries also
 * expire after 10 s, and all are dropped when the Redis subscription reconnects.
 */
@Injectable()
export class CandleWindowCache implements OnApplicationBootstrap {
  private readonly entries = new Map<string, Entry>();
  /** Bumped on every invalidation, so a load that raced a write is not kept. */
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly redis: RedisService,
    private readonly candles: CandlesRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.redis.subscribe(
      CANDLES_WRITTEN,
      (message) => this.invalidate(JSON.parse(message) as CandlesWrittenEvent),
      () => {
        this.entries.clear();
        this.generations.clear();
      },
    );
  }

  private static key(market: MarketKey): string {
    return `${market.exchange}\t${market.symbol}\t${market.interval}`;
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
    const generation = this.generations.get(key) ?? 0;
    const limit = Math.min(MAX_CANDLES, Math.max(MIN_LOAD, params.count));
    const loaded = await this.candles.find({
      ...market,
      from: 0,
      to: MAX_TIME_MS,
      limit,
      newest: true,
    });
    const loadedEntry: Entry = {
      candles: loaded,
      complete: loaded.length < limit,
      loadedAt: Date.now(),
    };
    if ((this.generations.get(key) ?? 0) === generation) {
      this.entries.set(key, loadedEntry);
    }
    return (
      this.serve(loadedEntry, params) ??
      this.candles.find({ ...market, from: 0, to: params.to, limit: params.count, newest: true })
    );
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
