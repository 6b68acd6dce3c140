import { HOUR_MS, readBtcHourCandles } from '../../simulator/candle-series.fixtures';
import { buildDataset } from './dataset';
import { DEFAULT_FEATURES } from './feature-spec';
import { resolveModelParams } from './model-params';
import type { Candle } from '../../market-data/candle';

/** 1,000 real BTCUSDT 1h candles, 2022-08-20 to 2022-09-30: the history the model specs read. */
export const CANDLES = readBtcHourCandles();
/** Small enough (8 units, 3 epochs) that a spec trains it in seconds. */
export const TINY = resolveModelParams({
  layers: 1,
  units: 8,
  lookback: 8,
  epochs: 3,
  batchSize: 64,
  patience: 0,
});

/** Windows of TINY's lookback over hour candles (CANDLES unless given), every default input. */
export function tinyDataset(params: { candles?: Candle[]; horizon?: number } = {}) {
  return buildDataset({
    candles: params.candles ?? CANDLES,
    intervalMs: HOUR_MS,
    features: DEFAULT_FEATURES,
    lookback: TINY.lookback,
    horizon: params.horizon ?? 1,
  });
}
