import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { RedisService } from '../../redis/redis.service';

/**
 * `connected`: the lease holder's websocket is up and its lease was renewed on time; `disconnected`:
 * no worker holds the lease, or its holder has no websocket yet (connecting, a takeover, an outage);
 * `unknown`: the holder missed a renewal (dead or stalled), so what it last reported may be stale.
 */
export type StreamStatus = 'connected' | 'disconnected' | 'unknown';

export interface StreamState {
  /** Process that owns the exchange websocket, if any. */
  owner: string | null;
  connected: boolean;
  status: StreamStatus;
  /** Milliseconds since the owner last took or renewed its lease; null without an owner. */
  leaseAgeMs: number | null;
  /** Last change of `connected` (epoch ms). */
  since: number | null;
  /** Per `PAIR:interval`: open time of the newest closed candle received live. */
  lastClosed: Record<string, number>;
}

/**
 * What the stream owner tells everybody else about the live stream, kept in one Redis hash that
 * expires unless the owner keeps refreshing it, read together with the owner's lease: the hash
 * outlives a dead owner by up to three leases, the lease's age shows at once that it stopped.
 */
@Injectable()
export class StreamStateService {
  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  get key(): string {
    return this.config.redisKey('market-data', 'stream-state');
  }

  /** The stream-owner lease: the owner's id, set for `STREAM_LEASE_MS` at every renewal. */
  get leaseKey(): string {
    return this.config.redisKey('market-data', 'stream-owner');
  }

  /**
   * A lease older than this has missed a renewal: owners renew every third of a lease, and half a
   * lease leaves room for a slow timer or Redis round trip.
   */
  get heartbeatMissedAfterMs(): number {
    return this.config.get('STREAM_LEASE_MS') / 2;
  }

  async setConnection(params: { owner: string; connected: boolean; ttlMs: number }): Promise<void> {
    await this.redis.client
      .multi()
      .hset(this.key, {
        owner: params.owner,
        connected: params.connected ? '1' : '0',
        since: String(Date.now()),
      })
      .pexpire(this.key, params.ttlMs)
      .exec();
  }

  async refresh(ttlMs: number): Promise<void> {
    await this.redis.client.pexpire(this.key, ttlMs);
  }

  async recordClosed(pair: string, interval: string, openTime: number): Promise<void> {
    await this.redis.client.hset(this.key, `last:${pair}:${interval}`, String(openTime));
  }

  async clear(owner: string): Promise<void> {
    const current = await this.redis.client.hget(this.key, 'owner');
    if (current === owner) {
      await this.redis.client.del(this.key);
    }
  }

  async read(): Promise<StreamState> {
    const replies = await this.redis.client
      .multi()
      .hgetall(this.key)
      .get(this.leaseKey)
      .pttl(this.leaseKey)
      .exec();
    const failed = replies?.find(([error]) => error)?.[0];
    if (failed) {
      throw failed;
    }
    const [hashReply, ownerReply, ttlReply] = replies ?? [];
    const hash = (hashReply?.[1] ?? {}) as Record<string, string>;
    const leaseOwner = (ownerReply?.[1] ?? null) as string | null;
    const ttlMs = Number(ttlReply?.[1] ?? -2);
    const lastClosed: Record<string, number> = {};
    for (const [field, value] of Object.entries(hash)) {
      if (field.startsWith('last:')) {
        lastClosed[field.slice(5)] = Number(value);
      }
    }
    const leaseAgeMs =
      leaseOwner !== null && ttlMs >= 0
        ? Math.max(0, this.config.get('STREAM_LEASE_MS') - ttlMs)
        : null;
    const status: StreamStatus =
      leaseOwner === null || leaseAgeMs === null
        ? 'disconnected'
        : leaseAgeMs > this.heartbeatMissedAfterMs
          ? 'unknown'
          : hash.owner === leaseOwner && hash.connected === '1'
            ? 'connected'
            : 'disconnected';
    return {
      owner: leaseOwner,
      connected: status === 'connected',
      status,
      leaseAgeMs,
      since: hash.since ? Number(hash.since) : null,
      lastClosed,
    };
  }
}
