import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import Redis, { type RedisOptions } from 'ioredis';
import { AppConfig } from '../config/app-config';

export type MessageHandler = (message: string) => void;

/** Connection options for a Redis client of this service (BullMQ takes the same). */
export function redisOptions(config: AppConfig, connectionName: string): RedisOptions {
  const url = new URL(config.get('REDIS_URL'));
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    connectionName,
    lazyConnect: false,
  };
}

/**
 * The service's Redis: one command connection (auto-pipelined, so concurrent requests share round
 * trips) and one subscriber connection for pub/sub channels under the configured key prefix.
 */
@Injectable()
export class RedisService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RedisService.name);
  readonly client: Redis;
  private subscriber?: Redis;
  private readonly handlers = new Map<string, Set<MessageHandler>>();
  private readonly reconnectHandlers = new Set<() => void>();

  constructor(private readonly config: AppConfig) {
    this.client = new Redis({
      ...redisOptions(config, `${config.get('REDIS_PREFIX')}:commands`),
      enableAutoPipelining: true,
      maxRetriesPerRequest: 2,
      // A request path waits at most this long on Redis (rate limits fail open after it).
      commandTimeout: 2000,
    });
    this.client.on('error', (error: Error) =>
      this.logger.warn(`Redis command connection error: ${error.message}`),
    );
  }

  /**
   * Start-up waits until the command connection is ready: commands queued while it connects
   * would otherwise spend their `commandTimeout` waiting for a slow connect (seen on a loaded
   * machine: a start-up write timed out and the process failed to start).
   */
  async onModuleInit(): Promise<void> {
    if (this.client.status === 'ready') {
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Redis did not become ready within 15 s (${this.client.status})`)),
        15_000,
      );
      this.client.once('ready', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  channel(name: string): string {
    return this.config.redisKey('events', name);
  }

  async publish(name: string, message: string): Promise<void> {
    await this.client.publish(this.channel(name), message);
  }

  /** Calls `handler` for every message on the channel; `onReconnect` runs after each reconnect. */
  async subscribe(name: string, handler: MessageHandler, onReconnect?: () => void): Promise<void> {
    const subscriber = this.ensureSubscriber();
    const channel = this.channel(name);
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await subscriber.subscribe(channel);
    }
    set.add(handler);
    if (onReconnect) {
      this.reconnectHandlers.add(onReconnect);
    }
  }

  /**
   * Sets `key` to a JSON document unless the stored one has a larger `field` (workers racing to
   * cache the value of a candle: the newest candle wins). One atomic script.
   */
  async setIfNotOlder(key: string, value: object, field: string, order: number): Promise<boolean> {
    const written = await this.client.eval(
      `local current = redis.call('GET', KEYS[1])
       if current then
         local decoded = cjson.decode(current)
         if decoded[ARGV[2]] and decoded[ARGV[2]] > tonumber(ARGV[3]) then return 0 end
       end
       redis.call('SET', KEYS[1], ARGV[1])
       return 1`,
      1,
      key,
      JSON.stringify(value),
      field,
      String(order),
    );
    return written === 1;
  }

  async ping(): Promise<string> {
    return this.client.ping();
  }

  private ensureSubscriber(): Redis {
    if (this.subscriber) {
      return this.subscriber;
    }
    const subscriber = new Redis({
      ...redisOptions(this.config, `${this.config.get('REDIS_PREFIX')}:subscriber`),
      maxRetriesPerRequest: null,
    });
    let connectedBefore = false;
    subscriber.on('ready', () => {
      if (connectedBefore) {
        // Messages published while we were away are lost: let subscribers resynchronise.
        this.logger.warn('Redis subscriber reconnected; resynchronising subscribers');
        this.reconnectHandlers.forEach((handler) => handler());
      }
      connectedBefore = true;
    });
    subscriber.on('error', (error: Error) =>
      this.logger.warn(`Redis subscriber connection error: ${error.message}`),
    );
    subscriber.on('message', (channel: string, message: string) => {
      this.handlers.get(channel)?.forEach((handler) => handler(message));
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.client.quit(), this.subscriber?.quit()]);
  }
}
