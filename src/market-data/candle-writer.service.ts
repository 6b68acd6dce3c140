import { Injectable, Logger } from '@nestjs/common';
import { RedisService } from '../redis/redis.service';
import type { Candle, MarketKey } from './candle';
import { CANDLES_WRITTEN, type CandlesWrittenEvent } from './candle-events';
import { CandlesRepository, type UpsertResult } from './candles.repository';

/**
 * Where ingested candles are written (exchange sync, file import, live stream): stored, then,
 * once the write has committed and changed something, announced to every process on Redis
 * (`CANDLES_WRITTEN`) so caches drop what they hold and catch-ups run.
 */
@Injectable()
export class CandleWriter {
  private readonly logger = new Logger(CandleWriter.name);

  constructor(
    private readonly candles: CandlesRepository,
    private readonly redis: RedisService,
  ) {}

  /** Writes candles of one market idempotently (see `CandlesRepository.upsert`). */
  async upsert(market: MarketKey, candles: readonly Candle[]): Promise<UpsertResult> {
    const result = await this.candles.upsert(market, candles);
    if (result.inserted + result.updated > 0) {
      let first = Number.POSITIVE_INFINITY;
      let last = Number.NEGATIVE_INFINITY;
      for (const candle of candles) {
        first = Math.min(first, candle.openTime);
        last = Math.max(last, candle.openTime);
      }
      await this.announce(market, first, last);
    }
    return result;
  }

  /** Writes one candle (the live path; see `CandlesRepository.upsertOne`). */
  async upsertOne(
    market: MarketKey,
    candle: Candle,
  ): Promise<'inserted' | 'updated' | 'unchanged'> {
    const written = await this.candles.upsertOne(market, candle);
    if (written !== 'unchanged') {
      await this.announce(market, candle.openTime, candle.openTime, candle);
    }
    return written;
  }

  /** Tells every process that candles of a market changed (caches drop what they hold). */
  private async announce(
    market: MarketKey,
    from: number,
    to: number,
    candle?: Candle,
  ): Promise<void> {
    const event: CandlesWrittenEvent = { ...market, from, to, candle };
    await this.redis
      .publish(CANDLES_WRITTEN, JSON.stringify(event))
      .catch((error: Error) =>
        this.logger.warn(
          `Could not announce written ${market.symbol} ${market.interval} candles: ${error.message}`,
        ),
      );
  }
}
