import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import type { MarketKey } from '../../market-data/candle';
import { RedisService } from '../../redis/redis.service';
import { PREDICTION_UPDATED } from '../model-events';

/** How a horizon's forecast did on its model's test candles, next to the baselines. */
interface CachedHorizonScore {
  count: number;
  mae: number;
  persistenceMae: number;
  /** Diebold-Mariano p-value of the MAE difference with persistence (two-sided). */
  pValue: number;
  coverage: number;
  empiricalCoverage: number;
  ewmaCoverage: number;
  brier: number;
  baseRateBrier: number;
}

/** One horizon of a forecast: a distribution of the log return, and the closes it implies. */
export interface CachedHorizon {
  horizon: number;
  targetTime: number;
  predictedReturn: number;
  predictedClose: number;
  median: number;
  lower: number;
  upper: number;
  lowerClose: number;
  upperClose: number;
  volatility: number;
  probabilityUp: number;
  /** The model's weight against persistence at this horizon; null for the baseline. */
  shrinkage: number | null;
  test: CachedHorizonScore | null;
}

/**
 * The latest forecast of a market with what `/predict` shows about it: a model's, or the baseline
 * (persistence with empirical intervals) when the market has no production model. The top-level
 * point fields repeat the shortest horizon.
 */
export interface CachedPrediction {
  exchange: string;
  symbol: string;
  pair: string;
  interval: string;
  kind: 'model' | 'baseline';
  openTime: number;
  targetTime: number;
  horizon: number;
  lastClose: number;
  predictedClose: number;
  predictedReturn: number;
  probabilityUp: number;
  horizons: CachedHorizon[];
  modelVersionId: string | null;
  trainedAt: number | null;
  testMae: number | null;
  testPersistenceMae: number | null;
  liveCount: number;
  liveMae: number | null;
  livePersistenceMae: number | null;
  computedAt: number;
}

/** How long a mirrored prediction is served before it is checked against Redis again. */
const MIRROR_CHECK_MS = 1000;

interface MirrorEntry {
  prediction: CachedPrediction | undefined;
  checkedAt: number;
  checking?: Promise<void>;
}

/**
 * Latest prediction per market in Redis, written by workers, read by every api replica.
 *
 * Readers keep an in-process mirror, so `GET /predict/:symbol` costs no Redis round trip: it is
 * filled on the first read of a market, updated by every `prediction.updated` message (which
 * carries the prediction), dropped when the subscriber reconnects (messages may have been lost),
 * and checked against Redis in the background once a second while it is being read, so even a
 * lost message or a retired model on another replica shows within a second.
 */
@Injectable()
export class PredictionCache {
  private mirror?: Map<string, MirrorEntry>;
  private mirrorReady?: Promise<void>;

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
    await (this.mirrorReady ??= this.startMirror());
    const key = this.key(market);
    const entry = this.mirror?.get(key);
    if (!entry) {
      const fresh: MirrorEntry = { prediction: undefined, checkedAt: 0 };
      await this.check(key, fresh);
      this.mirror?.set(key, fresh);
      return fresh.prediction;
    }
    if (Date.now() - entry.checkedAt > MIRROR_CHECK_MS && !entry.checking) {
      entry.checking = this.check(key, entry).finally(() => (entry.checking = undefined));
    }
    return entry.prediction;
  }

  /** Keeps the newest candle's prediction; a newer model on the same candle replaces the older one. */
  async write(market: MarketKey, prediction: CachedPrediction): Promise<void> {
    await this.redis.setIfNotOlder(this.key(market), prediction, 'openTime', prediction.openTime);
  }

  /** Writes a worker's new prediction and tells every reader's mirror (`prediction.updated`). */
  async publish(market: MarketKey, prediction: CachedPrediction): Promise<void> {
    await Promise.all([
      this.write(market, prediction),
      this.redis.publish(PREDICTION_UPDATED, JSON.stringify(prediction)),
    ]);
  }

  async clear(market: MarketKey): Promise<void> {
    const key = this.key(market);
    await this.redis.client.del(key);
    this.mirror?.delete(key);
  }

  private async startMirror(): Promise<void> {
    const mirror = new Map<string, MirrorEntry>();
    await this.redis.subscribe(
      PREDICTION_UPDATED,
      (message) => {
        const prediction = JSON.parse(message) as CachedPrediction;
        const key = this.key({
          exchange: prediction.exchange,
          symbol: prediction.pair,
          interval: prediction.interval,
        });
        const entry = mirror.get(key);
        // Only markets being read are mirrored; the same order rule as `write`.
        if (entry && (!entry.prediction || entry.prediction.openTime <= prediction.openTime)) {
          entry.prediction = prediction;
          entry.checkedAt = Date.now();
        }
      },
      () => mirror.clear(),
    );
    this.mirror = mirror;
  }

  private async check(key: string, entry: MirrorEntry): Promise<void> {
    const value = await this.redis.client.get(key);
    const stored = value ? (JSON.parse(value) as CachedPrediction) : undefined;
    // A message that overtook this read is newer than what the read returned: keep it.
    if (!stored || !entry.prediction || entry.prediction.openTime <= stored.openTime) {
      entry.prediction = stored;
    }
    entry.checkedAt = Date.now();
  }
}
