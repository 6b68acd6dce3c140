import type { AppConfig } from '../config/app-config';
import { parseDuration } from '../config/config.schema';
import type { Candle, MarketKey } from '../market-data/candle';
import type { CandlesRepository } from '../market-data/candles.repository';
import { intervalMs } from '../market-data/market-catalogue';

/** Most candles one training or search reads (four years of 1h is 35,040). */
export const MAX_TRAINING_CANDLES = 200_000;

/** The candles a model of `market` trains and is evaluated on: `TRAINING_WINDOW` up to the newest. */
export async function readTrainingCandles(params: {
  candles: CandlesRepository;
  config: AppConfig;
  market: MarketKey;
}): Promise<Candle[]> {
  const { market } = params;
  const last = await params.candles.lastOpenTime(market);
  if (last === undefined) {
    return [];
  }
  const step = intervalMs(market.interval);
  const windowMs = parseDuration(params.config.get('TRAINING_WINDOW'));
  const limit = Math.min(MAX_TRAINING_CANDLES, Math.floor(windowMs / step) + 1);
  return params.candles.find({ ...market, from: last - windowMs, to: last, limit, newest: true });
}
