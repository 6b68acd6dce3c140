import type Redis from 'ioredis';

interface WindowCount {
  /** Index of the fixed window (epoch ms / window length). */
  window: number;
  /** The shared count Redis last reported for this key and window. */
  known: number;
  /** Counted here, not yet added in Redis. */
  pending: number;
  synced: boolean;
}

/** A key's count in the current window (this request included) and the window's remaining ms. */
export interface WindowCountResult {
  current: number;
  ttl: number;
}

type Callback = (error: Error | null, result: WindowCountResult | null) => void;

/** How often locally counted requests are added to the shared counters. */
const FLUSH_MS = 25;

/**
 * Fixed-window request counters kept in Redis and shared by every replica, with Redis kept off
 * the request path while a key is far from its limit: the first request of a
 * key in a window, and every request once the count passes half the limit, is counted in Redis
 * before it is answered (exact where it matters); in between, requests are counted locally and
 * added to Redis every 25 ms in one pipeline. Far from the limit the shared count can lag by what
 * the other replicas served in those 25 ms; near it, it is exact.
 */
export class BatchedRedisStore {
  private readonly counts = new Map<string, WindowCount>();
  private flushTimer?: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** Counts one request of `key`; `callback` may run before `incr` returns (no Redis call). */
  incr(key: string, callback: Callback, timeWindowMs: number, max: number): void {
    const now = Date.now();
    const window = Math.floor(now / timeWindowMs);
    const ttl = (window + 1) * timeWindowMs - now;
    let count = this.counts.get(key);
    if (!count || count.window !== window) {
      count = { window, known: 0, pending: 0, synced: false };
      this.counts.set(key, count);
    }
    const estimate = count.known + count.pending + 1;
    if (count.synced && estimate < max / 2) {
      count.pending++;
      this.scheduleFlush(timeWindowMs);
      callback(null, { current: estimate, ttl });
      return;
    }
    const add = count.pending + 1;
    count.pending = 0;
    const entry = count;
    this.add(this.redisKey(key, window), add, ttl)
      .then((total) => {
        entry.known = Math.max(entry.known, total);
        entry.synced = true;
        callback(null, { current: total, ttl });
      })
      .catch((error: Error) => callback(error, null));
  }

  private redisKey(key: string, window: number): string {
    return `${this.prefix}${key}:${window}`;
  }

  private async add(redisKey: string, amount: number, ttlMs: number): Promise<number> {
    const results = await this.redis
      .multi()
      .incrby(redisKey, amount)
      .pexpire(redisKey, ttlMs + 1000)
      .exec();
    const [error, total] = results?.[0] ?? [new Error('no reply from Redis'), null];
    if (error) {
      throw error;
    }
    return Number(total);
  }

  private scheduleFlush(timeWindowMs: number): void {
    if (this.flushTimer) {
      return;
    }
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush(timeWindowMs);
    }, FLUSH_MS);
    this.flushTimer.unref();
  }

  /** Adds every locally counted request to Redis (one pipeline) and learns the shared totals. */
  private async flush(timeWindowMs: number): Promise<void> {
    const now = Date.now();
    const current = Math.floor(now / timeWindowMs);
    const batch: { count: WindowCount; redisKey: string }[] = [];
    const pipeline = this.redis.pipeline();
    const ttl = (current + 1) * timeWindowMs - now + 1000;
    for (const [key, count] of this.counts) {
      if (count.window < current) {
        this.counts.delete(key);
      } else if (count.pending > 0) {
        const redisKey = this.redisKey(key, count.window);
        pipeline.incrby(redisKey, count.pending).pexpire(redisKey, ttl);
        batch.push({ count, redisKey });
        count.pending = 0;
      }
    }
    if (!batch.length) {
      return;
    }
    try {
      const results = (await pipeline.exec()) ?? [];
      batch.forEach(({ count }, index) => {
        const [error, total] = results[index * 2] ?? [null, null];
        if (!error && total !== null) {
          count.known = Math.max(count.known, Number(total));
        }
      });
    } catch {
      // Redis away: these requests stay uncounted, as the limiter fails open (readiness says why).
    }
  }
}
