import { join } from 'node:path';
import { readCandleCsv } from '../../simulator/candle-series';
import { resolveModelParams } from './model-params';

export const HOUR_MS = 3_600_000;
/** 1,000 real BTCUSDT 1h candles, 2022-08-20 to 2022-09-30: the history the model specs read. */
export const CANDLES = readCandleCsv(
  join(
    __dirname,
    '..',
    '..',
    '..',
    'test',
    'fixtures',
    'klines',
    'BTCUSDT-1h-2022-08-20_2022-09-30.csv',
  ),
);
/** Small enough (8 units, 3 epochs) that a spec trains it in seconds. */
export const TINY = resolveModelParams({
  layers: 1,
  units: 8,
  lookback: 8,
  epochs: 3,
  batchSize: 64,
  patience: 0,
});
