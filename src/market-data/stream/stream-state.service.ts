import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { RedisService } from '../../redis/redis.service';

export interface StreamState {
  /** Process that owns the exchange websocket, if any. */
  owner: string | null;
  connected: boolean;
  /** Last change of `connected` (epoch ms). */
  since: number | null;
  /** Per `PAIR:interval`: open time of the newest closed candle received live. */
  lastClosed: Record<string, number>;
}

/**
 * What the stream owner tells everybody else about the live stream, kept in one Redis hash that
 * expires unless the owner keeps refreshing it.
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
    const hash = await this.redis.client.hgetall(this.key);
    const lastClosed: Record<string, number> = {};
    for (const [field, value] of Object.entries(hash)) {
      if (field.startsWith('last:')) {
        lastClosed[field.slice(5)] = Number(value);
      }
    }
    return {
      owner: hash.owner ?? null,
      connected: hash.connected === '1',
      since: hash.since ? Number(hash.since) : null,
      lastClosed,
    };
  }
}
