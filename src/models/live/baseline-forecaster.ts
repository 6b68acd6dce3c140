import { Injectable } from '@nestjs/common';
import { HotPath } from '../../cluster/hot-path';
import { AppConfig } from '../../config/app-config';
import type { MarketKey } from '../../market-data/candle';
import { CandleWindowCache } from '../../market-data/candle-window.cache';
import { intervalMs } from '../../market-data/market-catalogue';
import { RedisService } from '../../redis/redis.service';
import { EMPIRICAL_WINDOW } from '../engine/baseline-forecast';
import { baselineTrackRecord, type BaselineTrackRecord } from '../engine/forecast-scoring';
import { baselineLatest, baselineWindow } from '../engine/latest-forecast';
import { cachedForecast } from './cached-forecast';
import { LiveMarkets } from './live-markets';
import { PredictionCache } from './prediction.cache';

/**
 * Persistence with its empirical intervals and volatility, for a market without a model that
 * passed: a client always gets a forecast, labelled `baseline`. Served, never stored.
 */
@Injectable()
export class BaselineForecaster {
  /** Each market's baseline track record, by the candle it is as of. */
  private readonly records = new Map<string, { openTime: number; record: BaselineTrackRecord[] }>();

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisService,
    private readonly recent: CandleWindowCache,
    private readonly cache: PredictionCache,
    private readonly hotPath: HotPath,
    private readonly markets: LiveMarkets,
  ) {}

  /**
   * The baseline forecast at `openTime`, published once per candle across workers (a Redis
   * claim), or again when `force`d (start-up, a retirement).
   */
  async forecast(params: {
    market: MarketKey;
    symbol: string;
    openTime: number;
    force: boolean;
  }): Promise<void> {
    const { market, symbol, openTime, force } = params;
    const step = intervalMs(market.interval);
    const horizons = this.config.forecastHorizons(market.interval, symbol);
    // The baseline's window, and as many candles before for its record on its last forecasts.
    const candles = await this.recent.newest(market, {
      count: baselineWindow(horizons) + EMPIRICAL_WINDOW,
      to: openTime,
    });
    const forecast = baselineLatest({ candles, intervalMs: step, horizons });
    if (!forecast || forecast.openTime !== openTime) {
      await this.cache.clear(market); // Too little history (or a gap at the end): nothing honest.
      return;
    }
    const claimed = await this.redis.client.set(
      this.config.redisKey(
        'predictions',
        'baseline',
        market.symbol,
        market.interval,
        String(openTime),
      ),
      '1',
      'PX',
      Math.max(60_000, 2 * step),
      'NX',
    );
    if (claimed === null && !force) {
      return; // Another worker published it.
    }
    // The record on its last 500 forecasts moves by one forecast a candle: at a live close the
    // forecast goes out with the record as of the candle before, and the record is brought up to
    // date once the closing burst is decided (the heaviest part of a baseline forecast).
    const key = `${market.symbol}:${market.interval}`;
    const known = this.records.get(key);
    const current = known?.openTime === openTime ? known.record : undefined;
    // The candle before's record, served while this candle's is computed after the burst.
    const previous = !force && known?.openTime === openTime - step ? known.record : undefined;
    const record =
      current ?? previous ?? baselineTrackRecord({ candles, intervalMs: step, horizons });
    if (!current && !previous) {
      this.records.set(key, { openTime, record });
    }
    const served = (baselineRecord: BaselineTrackRecord[]) =>
      cachedForecast({
        market,
        symbol,
        intervalMs: step,
        forecast,
        scores: [],
        baselineRecord,
        model: null,
      });
    await this.cache.publish(market, served(record));
    if (!current && previous) {
      void this.hotPath.idle().then(() =>
        this.markets.enqueue(market, symbol, async () => {
          const updated = baselineTrackRecord({ candles, intervalMs: step, horizons });
          this.records.set(key, { openTime, record: updated });
          const cached = await this.cache.read(market);
          if (cached?.kind === 'baseline' && cached.openTime === openTime) {
            await this.cache.write(market, served(updated));
          }
        }),
      );
    }
  }
}
