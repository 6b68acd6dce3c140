import type { Candle } from '../../market-data/candle';
import { candlesFromCloses, loadBtcUsdt1h300 } from './fixtures/candle-fixture';
import { at, outputColumn } from './fixtures/indicator-fixture';
import { computeIndicators } from './indicator-computation';
import { parseIndicatorList } from './indicator-spec';

/*
 * Golden numbers: every indicator against a plain reference written here from the textbook
 * definition (loops over the window, no running sums), on 300 real BTCUSDT 1h candles, to 1e-8
 * absolute. RSI is rounded to 2 decimals by technicalindicators, so it gets 0.005 (QUIRKS.md).
 */

type Column = (number | null)[];

const candles = loadBtcUsdt1h300();
const closes = candles.map((candle) => candle.close);
const typicalPrices = candles.map((candle) => (candle.high + candle.low + candle.close) / 3);

/** One output column of one spec over the candles. */
function columnOf(spec: string, output = 'value'): Column {
  return outputColumn(computeIndicators(candles, parseIndicatorList(spec))[0], output);
}

/** Same nulls, and values within `tolerance`. */
function expectColumn(got: Column, want: Column, tolerance = 1e-8): void {
  expect(got).toHaveLength(want.length);
  expect(got.map((value) => value === null)).toEqual(want.map((value) => value === null));
  let worst = 0;
  for (let index = 0; index < want.length; index++) {
    const expected = want[index];
    const actual = got[index];
    if (typeof expected === 'number' && typeof actual === 'number') {
      worst = Math.max(worst, Math.abs(actual - expected));
    }
  }
  expect(worst).toBeLessThanOrEqual(tolerance);
  // The comparison compared something: the reference has values.
  expect(want.some((value) => value !== null)).toBe(true);
}

function nulls(length: number): Column {
  return new Array<number | null>(length).fill(null);
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, value) => sum + value, 0) / values.length;
}

function referenceSma(values: readonly number[], period: number): Column {
  return values.map((_, index) =>
    index < period - 1 ? null : mean(values.slice(index - period + 1, index + 1)),
  );
}

/** EMA with k = 2 / (period + 1), seeded with the SMA of the first `period` values. */
function referenceEma(values: readonly (number | null)[], period: number): Column {
  const out = nulls(values.length);
  const first = values.findIndex((value) => value !== null);
  const k = 2 / (period + 1);
  let ema: number | null = null;
  for (let index = first + period - 1; index < values.length; index++) {
    const value = values[index] as number;
    ema =
      ema === null
        ? mean(values.slice(index - period + 1, index + 1) as number[])
        : value * k + ema * (1 - k);
    out[index] = ema;
  }
  return out;
}

function referenceWma(values: readonly number[], period: number): Column {
  const weights = (period * (period + 1)) / 2;
  return values.map((_, index) => {
    if (index < period - 1) {
      return null;
    }
    let sum = 0;
    for (let weight = 1; weight <= period; weight++) {
      sum += at(values, index - period + weight) * weight;
    }
    return sum / weights;
  });
}

/** Wilder's RSI: average gain/loss seeded with the mean of the first `period` changes. */
function referenceRsi(values: readonly number[], period: number): Column {
  const out = nulls(values.length);
  let averageGain = 0;
  let averageLoss = 0;
  for (let index = 1; index < values.length; index++) {
    const change = at(values, index) - at(values, index - 1);
    const gain = Math.max(change, 0);
    const loss = Math.max(-change, 0);
    if (index <= period) {
      averageGain += gain / period;
      averageLoss += loss / period;
      if (index < period) {
        continue;
      }
    } else {
      averageGain = (averageGain * (period - 1) + gain) / period;
      averageLoss = (averageLoss * (period - 1) + loss) / period;
    }
    out[index] = averageLoss === 0 ? 100 : 100 - 100 / (1 + averageGain / averageLoss);
  }
  return out;
}

function trueRanges(series: readonly Candle[]): Column {
  return series.map((candle, index) => {
    if (index === 0) {
      return null;
    }
    const previousClose = at(series, index - 1).close;
    return Math.max(
      candle.high - candle.low,
      Math.abs(candle.high - previousClose),
      Math.abs(candle.low - previousClose),
    );
  });
}

/** Wilder smoothing of values starting at `first`: mean of the first `period`, then (prev*(n-1)+x)/n. */
function referenceWilder(values: Column, period: number, first: number): Column {
  const out = nulls(values.length);
  let average: number | null = null;
  for (let index = first + period - 1; index < values.length; index++) {
    average =
      average === null
        ? mean(values.slice(first, first + period) as number[])
        : (average * (period - 1) + (values[index] as number)) / period;
    out[index] = average;
  }
  return out;
}

function highest(series: readonly Candle[], index: number, period: number): number {
  return Math.max(...series.slice(index - period + 1, index + 1).map((candle) => candle.high));
}

function lowest(series: readonly Candle[], index: number, period: number): number {
  return Math.min(...series.slice(index - period + 1, index + 1).map((candle) => candle.low));
}

describe('golden numbers on 300 BTCUSDT 1h candles', () => {
  it('SMA(20) is the mean of the last 20 closes', () => {
    expectColumn(columnOf('sma:20'), referenceSma(closes, 20));
  });

  it('EMA(20) is seeded with the SMA of the first 20 closes, then k = 2/21', () => {
    expectColumn(columnOf('ema:20'), referenceEma(closes, 20));
  });

  it('WMA(20) weighs the last close 20, the oldest 1', () => {
    expectColumn(columnOf('wma:20'), referenceWma(closes, 20));
  });

  it('RSI(14) is Wilder RSI, rounded by the library to 2 decimals', () => {
    const got = columnOf('rsi:14');
    expectColumn(got, referenceRsi(closes, 14), 0.005 + 1e-9);
    // The rounding itself: every value has at most 2 decimals.
    for (const value of got.filter((entry): entry is number => entry !== null)) {
      expect(Math.abs(value * 100 - Math.round(value * 100))).toBeLessThan(1e-6);
    }
  });

  it('MACD(12,26,9) is EMA12 - EMA26 with an EMA9 signal (EMA, not SMA, for both)', () => {
    const fast = referenceEma(closes, 12);
    const slow = referenceEma(closes, 26);
    const macd = closes.map((_, index) =>
      slow[index] === null ? null : (fast[index] as number) - (slow[index] as number),
    );
    const signal = referenceEma(macd, 9);
    const histogram = macd.map((value, index) =>
      signal[index] === null ? null : (value as number) - (signal[index] as number),
    );
    expectColumn(columnOf('macd:12,26,9', 'macd'), macd);
    expectColumn(columnOf('macd:12,26,9', 'signal'), signal);
    expectColumn(columnOf('macd:12,26,9', 'histogram'), histogram);
  });

  it('Bollinger(20,2) bands use the population standard deviation; %b and bandwidth', () => {
    const middle = referenceSma(closes, 20);
    const deviation = closes.map((_, index) => {
      if (index < 19) {
        return null;
      }
      const window = closes.slice(index - 19, index + 1);
      const average = mean(window);
      return Math.sqrt(mean(window.map((close) => (close - average) ** 2)));
    });
    const upper = middle.map((value, index) =>
      value === null ? null : value + 2 * (deviation[index] as number),
    );
    const lower = middle.map((value, index) =>
      value === null ? null : value - 2 * (deviation[index] as number),
    );
    const percentB = closes.map((close, index) =>
      lower[index] === null
        ? null
        : (close - (lower[index] as number)) /
          ((upper[index] as number) - (lower[index] as number)),
    );
    const bandwidth = middle.map((value, index) =>
      value === null ? null : ((upper[index] as number) - (lower[index] as number)) / value,
    );
    expectColumn(columnOf('bb:20,2', 'middle'), middle);
    expectColumn(columnOf('bb:20,2', 'upper'), upper);
    expectColumn(columnOf('bb:20,2', 'lower'), lower);
    expectColumn(columnOf('bb:20,2', 'percentB'), percentB);
    expectColumn(columnOf('bb:20,2', 'bandwidth'), bandwidth);
  });

  it('ATR(14) is the Wilder average of true ranges from candle 1', () => {
    expectColumn(columnOf('atr:14'), referenceWilder(trueRanges(candles), 14, 1));
  });

  it('Stochastic(14,3): %K from the 14-candle range, %D its 3-candle SMA', () => {
    const k = candles.map((candle, index) => {
      if (index < 13) {
        return null;
      }
      const low = lowest(candles, index, 14);
      return ((candle.close - low) / (highest(candles, index, 14) - low)) * 100;
    });
    const d = k.map((_, index) =>
      index < 15 ? null : mean(k.slice(index - 2, index + 1) as number[]),
    );
    expectColumn(columnOf('stoch:14,3', 'k'), k);
    expectColumn(columnOf('stoch:14,3', 'd'), d);
  });

  it('OBV adds the volume of up closes and subtracts down closes, from candle 1', () => {
    const obv = nulls(candles.length);
    let total = 0;
    for (let index = 1; index < candles.length; index++) {
      const candle = at(candles, index);
      const change = candle.close - at(candles, index - 1).close;
      total += change > 0 ? candle.volume : change < 0 ? -candle.volume : 0;
      obv[index] = total;
    }
    expectColumn(columnOf('obv'), obv);
  });

  it('ROC(12) is the percent change from 12 candles back', () => {
    const roc = closes.map((close, index) =>
      index < 12 ? null : ((close - at(closes, index - 12)) / at(closes, index - 12)) * 100,
    );
    expectColumn(columnOf('roc:12'), roc);
  });

  it('CCI(20) is (TP - SMA(TP)) / (0.015 * mean absolute deviation)', () => {
    const cci = typicalPrices.map((typical, index) => {
      if (index < 19) {
        return null;
      }
      const window = typicalPrices.slice(index - 19, index + 1);
      const average = mean(window);
      const deviation = mean(window.map((value) => Math.abs(value - average)));
      return (typical - average) / (0.015 * deviation);
    });
    expectColumn(columnOf('cci:20'), cci);
  });

  it('Williams %R(14) is (highest high - close) / range * -100', () => {
    const williamsR = candles.map((candle, index) => {
      if (index < 13) {
        return null;
      }
      const high = highest(candles, index, 14);
      return ((high - candle.close) / (high - lowest(candles, index, 14))) * -100;
    });
    expectColumn(columnOf('williamsr:14'), williamsR);
  });

  it('MFI(14) sums typical price * volume of up and down candles over 14 flows', () => {
    const mfi = candles.map((_, index) => {
      if (index < 14) {
        return null;
      }
      let positive = 0;
      let negative = 0;
      for (let flow = index - 13; flow <= index; flow++) {
        const typical = at(typicalPrices, flow);
        const previous = at(typicalPrices, flow - 1);
        const moneyFlow = typical * at(candles, flow).volume;
        if (typical > previous) {
          positive += moneyFlow;
        } else if (typical < previous) {
          negative += moneyFlow;
        }
      }
      return 100 - 100 / (1 + positive / negative);
    });
    expectColumn(columnOf('mfi:14'), mfi);
  });

  it('VWAP weighs the typical price by volume since UTC midnight', () => {
    const dayMs = 86_400_000;
    const vwap = candles.map((candle, index) => {
      const dayStart = Math.floor(candle.openTime / dayMs) * dayMs;
      let priceVolume = 0;
      let volume = 0;
      for (let from = index; from >= 0 && at(candles, from).openTime >= dayStart; from--) {
        priceVolume += at(typicalPrices, from) * at(candles, from).volume;
        volume += at(candles, from).volume;
      }
      return priceVolume / volume;
    });
    expectColumn(columnOf('vwap'), vwap);
  });

  it('ADX(14) is the Wilder average of DX over Wilder-smoothed TR and DM', () => {
    const plusDm = candles.map((candle, index) => {
      if (index === 0) {
        return null;
      }
      const previous = at(candles, index - 1);
      const up = candle.high - previous.high;
      const down = previous.low - candle.low;
      return up > down && up > 0 ? up : 0;
    });
    const minusDm = candles.map((candle, index) => {
      if (index === 0) {
        return null;
      }
      const previous = at(candles, index - 1);
      const up = candle.high - previous.high;
      const down = previous.low - candle.low;
      return down > up && down > 0 ? down : 0;
    });
    // DI is a ratio of smoothed values, so Wilder averages and Wilder sums give the same DI.
    const tr = referenceWilder(trueRanges(candles), 14, 1);
    const plus = referenceWilder(plusDm, 14, 1);
    const minus = referenceWilder(minusDm, 14, 1);
    const plusDi = tr.map((range, index) =>
      range === null ? null : ((plus[index] as number) / range) * 100,
    );
    const minusDi = tr.map((range, index) =>
      range === null ? null : ((minus[index] as number) / range) * 100,
    );
    const dx = plusDi.map((value, index) =>
      value === null
        ? null
        : (Math.abs(value - (minusDi[index] as number)) / (value + (minusDi[index] as number))) *
          100,
    );
    expectColumn(columnOf('adx:14', 'plusDi'), plusDi);
    expectColumn(columnOf('adx:14', 'minusDi'), minusDi);
    expectColumn(columnOf('adx:14', 'adx'), referenceWilder(dx, 14, 14));
  });
});

describe('hand-computable series', () => {
  it("RSI(14) reproduces the textbook worked example (StockCharts' Wilder table)", () => {
    const textbookCloses = [
      44.3389, 44.0902, 44.1497, 43.6124, 44.3278, 44.8264, 45.0955, 45.4245, 45.8433, 46.0826,
      45.8931, 46.0328, 45.614, 46.282, 46.282, 46.0028, 46.0328, 46.4116, 46.2222, 45.6439,
      46.2122, 46.2521, 45.7137, 46.4515, 45.7835, 45.3548, 44.0288, 44.1783, 44.2181, 44.5672,
      43.4205, 42.6628, 43.1314,
    ];
    const textbookRsi = [
      70.53, 66.32, 66.55, 69.41, 66.36, 57.97, 62.93, 63.26, 56.06, 62.38, 54.71, 50.42, 39.99,
      41.46, 41.87, 45.46, 37.3, 33.08, 37.77,
    ];
    const [rsi] = computeIndicators(
      candlesFromCloses(textbookCloses),
      parseIndicatorList('rsi:14'),
    );
    expect(outputColumn(rsi)).toEqual([...nulls(14), ...textbookRsi]);
  });

  it('RSI(3) on 10, 11, 12, 11, 12, 13 is 66.67, 77.78, 85.19', () => {
    // Changes +1 +1 -1 +1 +1. Candle 3: gain 2/3, loss 1/3, RS 2, RSI 100 - 100/3 = 66.67.
    // Candle 4: gain (2/3*2 + 1)/3 = 7/9, loss (1/3*2)/3 = 2/9, RS 3.5, RSI 77.78.
    // Candle 5: gain (7/9*2 + 1)/3 = 23/27, loss (2/9*2)/3 = 4/27, RS 5.75, RSI 85.19.
    const [rsi] = computeIndicators(
      candlesFromCloses([10, 11, 12, 11, 12, 13]),
      parseIndicatorList('rsi:3'),
    );
    expect(outputColumn(rsi)).toEqual([null, null, null, 66.67, 77.78, 85.19]);
  });

  it('EMA(3) on 10, 11, 12, 13, 12, 14 is seeded with 11, then halves the distance', () => {
    // k = 2 / (3 + 1) = 0.5. Seed: (10 + 11 + 12) / 3 = 11. Then 11 + (13 - 11)/2 = 12,
    // 12 + (12 - 12)/2 = 12, 12 + (14 - 12)/2 = 13.
    const [ema] = computeIndicators(
      candlesFromCloses([10, 11, 12, 13, 12, 14]),
      parseIndicatorList('ema:3'),
    );
    expect(outputColumn(ema)).toEqual([null, null, 11, 12, 12, 13]);
  });
});
