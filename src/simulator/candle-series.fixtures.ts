import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Candle } from '../market-data/candle';
import { readCandleCsv } from './candle-series';

export const HOUR_MS = 3_600_000;

/**
 * A file under `test/fixtures/` of the package this file belongs to: specs run it from
 * `src/simulator/`, the benchmarks from `dist/src/simulator/`, so the root is found, not counted.
 */
export function fixturePath(...parts: string[]): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) {
    dir = dirname(dir);
  }
  return join(dir, 'test', 'fixtures', ...parts);
}

/** 1,000 real BTCUSDT 1h candles, 2022-08-20 to 2022-09-30, as a CSV of Binance klines. */
export const BTC_HOUR_CSV = fixturePath('klines', 'BTCUSDT-1h-2022-08-20_2022-09-30.csv');

/** The candles of `BTC_HOUR_CSV`, read afresh (callers may change them). */
export function readBtcHourCandles(): Candle[] {
  return readCandleCsv(BTC_HOUR_CSV);
}
