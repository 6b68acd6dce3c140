import { HOUR_MS, readBtcHourCandles } from '../simulator/candle-series.fixtures';
import { computeIndicators } from './engine/indicator-computation';
import { parseIndicatorList } from './engine/indicator-spec';
import { seedCandles } from './indicator-window';

const CANDLES = readBtcHourCandles();

describe('seedCandles', () => {
  // Values computed from the seed window before a range equal those from the whole history.
  it.each(['psar', 'psar:0.01,0.02', 'psar:0.05,0.5', 'ema:20', 'rsi:14', 'adx:14', 'atr:14'])(
    '%s from its seed window matches the whole history',
    (list) => {
      const specs = parseIndicatorList(list);
      const seed = seedCandles(specs, HOUR_MS);
      const [full] = computeIndicators(CANDLES, specs);
      // Ranges starting at many points: wherever the seed window starts, the values agree.
      for (let start = seed; start < CANDLES.length - 10; start += 23) {
        const [seeded] = computeIndicators(CANDLES.slice(start - seed), specs);
        for (const output of full!.outputs) {
          const expected = full!.columns[output]!.slice(start);
          const actual = seeded!.columns[output]!.slice(seed);
          actual.forEach((value, i) => {
            const reference = expected[i]!;
            expect([
              start,
              i,
              Math.abs(value! - reference) <= 1e-9 * Math.max(1, Math.abs(reference)),
            ]).toEqual([start, i, true]);
          });
        }
      }
    },
  );
});
