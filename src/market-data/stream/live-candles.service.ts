import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AppConfig } from '../../config/app-config';
import { QueueService } from '../../queue/queue.service';
import { JobName } from '../../queue/queue.catalogue';
import { RedisService } from '../../redis/redis.service';
import { candleProblem } from '../candle';
import { CANDLE_CLOSED, type CandleClosedEvent } from '../candle-events';
import { CandleWriter } from '../candle-writer.service';
import {
  MARKET_DATA_PROVIDER,
  type ExchangeMarket,
  type KlineUpdate,
  type LiveStream,
  type MarketDataProvider,
} from '../exchange/market-data.provider';
import { MarketCatalogue, intervalMs } from '../market-catalogue';
import { CandleSyncService } from '../sync/candle-sync.service';
import { StreamStateService } from './stream-state.service';

/** Renews the lease only if this process still holds it. */
const RENEW_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
/** Publishes only while this worker holds the lease (-1 otherwise): the owner's fence. */
const PUBLISH_IF_OWNER_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('publish', ARGV[2], ARGV[3]) else return -1 end`;

/** Markets whose catch-up jobs are enqueued at once. */
const CATCH_UP_BATCH = 25;

export interface LiveCandleTiming {
  /** Kline received -> row committed -> event published, in ms. */
  receivedToPublishedMs: number;
}

/**
 * The live path's entry: in worker processes, competes for the stream-owner lease in Redis; the
 * owner holds the exchange stream of every configured market (one websocket per up to
 * STREAM_MAX_PER_CONNECTION of them), writes each closed candle and publishes `candle.closed`.
 * Every (re)connect of a websocket catches up on what its markets missed through backfill and gap
 * repair jobs. When the owner dies its lease runs out and a survivor takes over.
 */
@Injectable()
export class LiveCandlesService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LiveCandlesService.name);
  readonly ownerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private stream?: LiveStream;
  private leaseTimer?: NodeJS.Timeout;
  private owning = false;
  private stopping = false;
  private readonly pairs: Map<string, string>;
  /** Optional observer of per-candle latency (benchmarks, metrics). */
  onCommitted?: (timing: LiveCandleTiming) => void;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisService,
    private readonly candles: CandleWriter,
    private readonly catalogue: MarketCatalogue,
    private readonly sync: CandleSyncService,
    private readonly queues: QueueService,
    private readonly state: StreamStateService,
    @Inject(MARKET_DATA_PROVIDER) private readonly provider: MarketDataProvider,
  ) {
    this.pairs = new Map(catalogue.bases.map((base) => [catalogue.pair(base), base]));
  }

  get isOwner(): boolean {
    return this.owning;
  }

  private get lockKey(): string {
    return this.state.leaseKey;
  }

  private get leaseMs(): number {
    return this.config.get('STREAM_LEASE_MS');
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.get('LIVE_STREAM')) {
      this.logger.log(
        'LIVE_STREAM is off: this worker neither catches up at start nor competes for the exchange stream',
      );
      return;
    }
    await this.enqueueCatchUp('start-up');
    await this.tick();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.leaseTimer);
    await this.stopStream('shutting down');
  }

  /** Acquire or renew the lease, then schedule the next attempt. */
  private async tick(): Promise<void> {
    try {
      if (this.owning) {
        const renewed = (await this.redis.client.eval(
          RENEW_SCRIPT,
          1,
          this.lockKey,
          this.ownerId,
          this.leaseMs,
        )) as number;
        if (renewed !== 1) {
          this.logger.warn('Lost the stream-owner lease; stopping the stream');
          await this.stopStream('lease lost');
        } else {
          await this.state.refresh(this.leaseMs * 3);
        }
      } else {
        const acquired = await this.redis.client.set(
          this.lockKey,
          this.ownerId,
          'PX',
          this.leaseMs,
          'NX',
        );
        if (acquired === 'OK') {
          this.startStream();
        }
      }
    } catch (error) {
      this.logger.warn(`Stream lease check failed: ${(error as Error).message}`);
    } finally {
      if (!this.stopping) {
        // Owners renew three times per lease; standbys try five times, so a takeover takes at most ~1.2 leases.
        this.leaseTimer = setTimeout(
          () => void this.tick(),
          this.owning ? this.leaseMs / 3 : this.leaseMs / 5,
        );
        this.leaseTimer.unref();
      }
    }
  }

  private startStream(): void {
    this.owning = true;
    const markets = this.allMarkets();
    this.logger.log(
      `This worker (${this.ownerId}) now owns the exchange stream for ${markets.length} market(s)`,
    );
    // Until its websocket is up, readers see this owner connecting, not the previous one connected.
    void this.state
      .setConnection({ owner: this.ownerId, connected: false, ttlMs: this.leaseMs * 3 })
      .catch(() => undefined);
    this.stream = this.provider.streamKlines(markets, {
      onKline: (update) => {
        if (update.closed) {
          void this.commitClosed(update);
        }
      },
      // Each connection of the stream (Binance: up to 1,024 markets each) reports on its own;
      // the catch-up covers that connection's markets only.
      onConnected: ({ reconnect, markets: connected }) => {
        void this.state
          .setConnection({
            owner: this.ownerId,
            connected: this.stream?.connected ?? false,
            ttlMs: this.leaseMs * 3,
          })
          .catch(() => undefined);
        void this.enqueueCatchUp(reconnect ? 'stream-reconnect' : 'stream-connect', connected);
      },
      onDisconnected: ({ markets: disconnected }) => {
        void this.state
          .setConnection({ owner: this.ownerId, connected: false, ttlMs: this.leaseMs * 3 })
          .catch(() => undefined);
        // After every failed (re)connection, as the stream backs off (30 s at most): the REST API
        // may answer while the websocket does not, and nothing else fetches new candles meanwhile
        // (this worker keeps the lease). The jobs are one per market at a time.
        void this.enqueueCatchUp('stream-down', disconnected);
      },
    });
  }

  private async stopStream(reason: string): Promise<void> {
    if (!this.owning) {
      return;
    }
    this.owning = false;
    const stream = this.stream;
    this.stream = undefined;
    await stream?.close();
    await this.state.clear(this.ownerId).catch(() => undefined);
    await this.redis.client
      .eval(RELEASE_SCRIPT, 1, this.lockKey, this.ownerId)
      .catch(() => undefined);
    this.logger.log(`Stream stopped (${reason})`);
  }

  /**
   * Writes a closed candle and publishes it. Intermediate klines never get here. The event goes
   * out only while this worker still holds the lease, checked in Redis with the publish itself: a
   * worker whose event loop stalled past its lease, or whose stream still delivers after it was
   * told to stop, would otherwise publish a candle the new owner publishes too.
   */
  private async commitClosed(update: KlineUpdate): Promise<void> {
    const receivedAt = performance.now();
    if (!this.owning) {
      return;
    }
    const base = this.pairs.get(update.symbol);
    if (!base || !this.catalogue.intervals.includes(update.interval)) {
      return;
    }
    const problem = candleProblem(update.candle, intervalMs(update.interval));
    if (problem) {
      this.logger.warn(
        `Ignored a closed ${update.symbol} ${update.interval} kline from the exchange: ${problem}`,
      );
      return;
    }
    const market = {
      exchange: this.catalogue.exchange,
      symbol: update.symbol,
      interval: update.interval,
    };
    try {
      await this.candles.upsertOne(market, update.candle);
      const event: CandleClosedEvent = {
        exchange: market.exchange,
        symbol: base,
        pair: update.symbol,
        interval: update.interval,
        candle: update.candle,
        eventTime: update.eventTime,
        committedAt: Date.now(),
      };
      const published = (await this.redis.client.eval(
        PUBLISH_IF_OWNER_SCRIPT,
        1,
        this.lockKey,
        this.ownerId,
        this.redis.channel(CANDLE_CLOSED),
        JSON.stringify(event),
      )) as number;
      if (published === -1) {
        this.logger.warn(
          `Stored the closed ${update.symbol} ${update.interval} candle of ${new Date(update.candle.openTime).toISOString()} but did not publish it: this worker no longer owns the stream`,
        );
        return;
      }
      this.onCommitted?.({ receivedToPublishedMs: performance.now() - receivedAt });
      void this.state
        .recordClosed(update.symbol, update.interval, update.candle.openTime)
        .catch(() => undefined);
    } catch (error) {
      // The row is not lost for good: the gap repair after the next reconnect or on schedule fetches it.
      this.logger.error(
        `Could not store the closed ${update.symbol} ${update.interval} candle of ${new Date(update.candle.openTime).toISOString()}: ${(error as Error).message}`,
      );
    }
  }

  /**
   * Enqueues, for every market (or the given ones: a connection's), a backfill from its newest
   * stored candle (or BACKFILL_FROM) and a gap repair. Both are exclusive per market, so many
   * workers and reconnects do not pile up.
   */
  private async enqueueCatchUp(
    reason: string,
    markets: readonly ExchangeMarket[] = this.allMarkets(),
  ): Promise<void> {
    try {
      for (let first = 0; first < markets.length; first += CATCH_UP_BATCH) {
        await Promise.all(
          markets.slice(first, first + CATCH_UP_BATCH).map(async ({ symbol: pair, interval }) => {
            const base = this.pairs.get(pair);
            if (base === undefined) {
              return;
            }
            const from = await this.sync.resumePoint(base, interval);
            await this.queues.enqueue({
              name: JobName.Backfill,
              payload: { symbol: base, interval, from, to: null, reason },
              exclusiveKey: `${this.catalogue.exchange}-${pair}-${interval}-latest`,
            });
            await this.queues.enqueue({
              name: JobName.RepairGaps,
              payload: { symbol: base, interval },
              exclusiveKey: `${this.catalogue.exchange}-${pair}-${interval}`,
            });
          }),
        );
      }
    } catch (error) {
      this.logger.error(
        `Could not enqueue the catch-up backfills (${reason}): ${(error as Error).message}`,
      );
    }
  }

  /** Every configured market and interval, as the exchange names them. */
  private allMarkets(): ExchangeMarket[] {
    return this.catalogue.markets.map(({ symbol, interval }) => ({ symbol, interval }));
  }
}
