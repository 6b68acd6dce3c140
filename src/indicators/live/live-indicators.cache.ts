import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import type { MarketKey } from '../../market-data/candle';
import { RedisService } from '../../redis/redis.service';
import type { IndicatorValues } from '../engine/indicator-definition';

/** The live indicator values of one market on its last closed candle. */
export interface LiveIndicatorValues {
  openTime: number;
  close: number;
  /** By spec key (`rsi:14`), each output's value. */
  values: Record<string, IndicatorValues>;
}

/** Where workers leave the indicators of each market's last closed candle, for every api replica to read. */
@Injectable()
export class LiveIndicatorsCache {
  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  private key(market: MarketKey): string {
    return this.config.redisKey(
      'indicators',
      'latest',
      market.exchange,
      market.symbol,
      market.interval,
    );
  }

  async read(market: MarketKey): Promise<LiveIndicatorValues | undefined> {
    const value = await this.redis.client.get(this.key(market));
    return value ? (JSON.parse(value) as LiveIndicatorValues) : undefined;
  }

  /** Writes unless a newer candle's values are already there (workers may race; the newest wins). */
  async write(market: MarketKey, values: LiveIndicatorValues): Promise<void> {
    await this.redis.setIfNotOlder(this.key(market), values, 'openTime', values.openTime);
  }
}
