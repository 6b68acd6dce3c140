import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AppConfig } from '../config/app-config';
import type { MarketKey } from '../market-data/candle';
import { MarketCatalogue } from '../market-data/market-catalogue';
import { RedisService } from '../redis/redis.service';

/** FNV-1a, 32 bits: a fast, well-spread hash for rendezvous scores (not for security). */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  // A final avalanche (murmur3's fmix32): members differing in one character spread evenly.
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}

/** The member a market belongs to among `members`: highest rendezvous score (stable as members come and go). */
export function shardOwner(members: readonly string[], marketKey: string): string | undefined {
  let best: string | undefined;
  let bestScore = -1;
  for (const member of members) {
    const score = fnv1a(`${member}|${marketKey}`);
    if (score > bestScore || (score === bestScore && best !== undefined && member < best)) {
      best = member;
      bestScore = score;
    }
  }
  return best;
}

export type MarketsGainedListener = (markets: MarketKey[]) => void;

/**
 * Shares the live path's markets between worker processes. Each worker with WORKER_LIVE on keeps
 * a heartbeat in a Redis sorted set; a market belongs to one live member by rendezvous hashing,
 * so adding or losing a worker moves only that worker's share. A worker handles `candle.closed`
 * and `prediction.updated` only for its markets; when it gains markets (a worker stopped or died)
 * its listeners catch them up at once (forecast and signals for the newest candle, marked late).
 * Until the first heartbeat a worker counts as alone: duplicates then are harmless (every write of
 * the live path is unique per market and candle), gaps are not.
 */
@Injectable()
export class MarketShards implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MarketShards.name);
  readonly memberId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private members: string[];
  private readonly owned = new Map<string, boolean>();
  private readonly listeners: MarketsGainedListener[] = [];
  private timer?: NodeJS.Timeout;
  private stopping = false;
  /** Markets this process decided on the live path (for the bench and metrics). */
  decided = 0;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisService,
    private readonly catalogue: MarketCatalogue,
  ) {
    this.members = this.live ? [this.memberId] : [];
  }

  private get live(): boolean {
    return this.config.get('WORKER_LIVE');
  }

  private get key(): string {
    return this.config.redisKey('cluster', 'live-members');
  }

  private get heartbeatMs(): number {
    return this.config.get('WORKER_HEARTBEAT_MS');
  }

  /** Live members as this process last saw them (sorted). */
  get liveMembers(): readonly string[] {
    return this.members;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.beat();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    // Leave at once: the others take this worker's markets at their next heartbeat.
    await this.redis.client.zrem(this.key, this.memberId).catch(() => undefined);
  }

  /** Whether this process runs the live path for `market` (pair symbol and interval). */
  owns(market: Pick<MarketKey, 'symbol' | 'interval'>): boolean {
    const marketKey = marketKeyOf(market);
    let mine = this.owned.get(marketKey);
    if (mine === undefined) {
      mine = shardOwner(this.members, marketKey) === this.memberId;
      this.owned.set(marketKey, mine);
    }
    return mine;
  }

  /** Markets owned here, closes decided here, and live members as this process sees them. */
  snapshot(): { markets: number; decided: number; members: number } {
    return {
      markets: this.catalogue.markets.filter((market) => this.owns(market)).length,
      decided: this.decided,
      members: this.members.length,
    };
  }

  /** Called with the markets this process takes over from a worker that left. */
  onGained(listener: MarketsGainedListener): void {
    this.listeners.push(listener);
  }

  /** Counts one market decided here and keeps the per-worker tally in Redis (for `bench:markets`). */
  countDecided(): void {
    this.decided++;
    void this.redis.client
      .set(this.config.redisKey('live', 'decided', this.memberId), this.decided, 'EX', 86_400)
      .catch(() => undefined);
  }

  private async beat(): Promise<void> {
    try {
      const now = Date.now();
      const multi = this.redis.client.multi();
      if (this.live) {
        multi.zadd(this.key, now, this.memberId);
      }
      const replies = await multi
        .zremrangebyscore(this.key, '-inf', now - 3 * this.heartbeatMs)
        .zrange(this.key, 0, -1)
        .exec();
      const members = (replies?.[replies.length - 1]?.[1] as string[] | undefined) ?? [];
      this.update(members.sort());
    } catch (error) {
      // Redis away: keep the last view (the live path needs Redis anyway).
      this.logger.warn(`Live-path heartbeat failed: ${(error as Error).message}`);
    } finally {
      if (!this.stopping) {
        this.timer = setTimeout(() => void this.beat(), this.heartbeatMs);
        this.timer.unref();
      }
    }
  }

  private update(members: string[]): void {
    if (members.join(',') === this.members.join(',')) {
      return;
    }
    const markets = this.catalogue.markets;
    const before = new Set(markets.filter((market) => this.owns(market)).map(marketKeyOf));
    const left = this.members.filter((member) => !members.includes(member));
    const joined = members.filter((member) => !this.members.includes(member));
    this.members = members;
    this.owned.clear();
    const gained = markets.filter(
      (market) => this.owns(market) && !before.has(marketKeyOf(market)),
    );
    this.logger.log(
      `Live path shared by ${members.length} worker(s), ${markets.filter((m) => this.owns(m)).length} of ${markets.length} market(s) here${joined.length ? `; joined: ${joined.join(', ')}` : ''}${left.length ? `; left: ${left.join(', ')}` : ''}`,
    );
    if (gained.length && left.length) {
      this.logger.log(
        `Took over the live path of ${gained.length} market(s) from ${left.join(', ')}`,
      );
      this.listeners.forEach((listener) => listener(gained));
    }
  }
}

function marketKeyOf(market: { symbol: string; interval: string }): string {
  return `${market.symbol}:${market.interval}`;
}
