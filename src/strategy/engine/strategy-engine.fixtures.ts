import { join } from 'node:path';
import type { Candle } from '../../market-data/candle';
import { readCandleCsv } from '../../simulator/candle-series';

export const HOUR_MS = 3_600_000;

/** 1,000 real BTCUSDT 1h candles, 2022-08-20 to 2022-09-30. */
export function readBtcHourCandles(): Candle[] {
  return readCandleCsv(
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
}
