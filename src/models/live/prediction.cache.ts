import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import type { MarketKey } from '../../market-data/candle';
import { RedisService } from '../../redis/redis.service';

/** The latest prediction of a market with what `/predict` shows about its model. */
export interface CachedPrediction {
  exchange: string;
  symbol: string;
  pair: string;
  interval: string;
  openTime: number;
  targetTime: number;
  horizon: number;
  lastClose: number;
  predictedClose: number;
  predictedReturn: number;
  probabilityUp: number;
  modelVersionId: string;
  trainedAt: number | null;
  testMae: number | null;
  testPersistenceMae: number | null;
  liveCount: number;
  liveMae: number | null;
  livePersistenceMae: number | null;
  computedAt: number;
}

/** Latest prediction per market in Redis, written by workers, read by every api replica. */
@Injectable()
export class PredictionCache {
  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  private key(market: MarketKey): string {
    return this.config.redisKey(
      'predictions',
      'latest',
      market.exchange,
      market.symbol,
      market.interval,
    );
  }

  async read(market: MarketKey): Promise<CachedPrediction | undefined> {
    const value = await this.redis.client.get(this.key(market));
    return value ? (JSON.parse(value) as CachedPrediction) : undefined;
  }

  /** Keeps the newest candle's prediction; a newer model on the same candle replaces the older one. */
  async write(market: MarketKey, prediction: CachedPrediction): Promise<void> {
    await this.redis.setIfNotOlder(this.key(market), prediction, 'openTime', prediction.openTime);
  }

  async clear(market: MarketKey): Promise<void> {
    await this.redis.client.del(this.key(market));
  }
}
