import { ADX, IchimokuCloud, MFI, PSAR, hammerpattern, VWAP } from 'technicalindicators';
import { CandleSequenceError } from './candle-sequence';
import { candleOf, candlesFromCloses, loadBtcUsdt1h300 } from './fixtures/candle-fixture';
import { at, outputColumn } from './fixtures/indicator-fixture';
import { computeIndicators } from './indicator-computation';
import {
  createIndicatorSpec,
  defaultIndicatorSpecs,
  indicatorWarmup,
  parseIndicatorList,
  warmupCandles,
  type IndicatorSpec,
} from './indicator-spec';

const candles = loadBtcUsdt1h300();
const HOUR_MS = 3_600_000;

const SPECS: IndicatorSpec[] = [
  ...defaultIndicatorSpecs(),
  ...parseIndicatorList(
    'sma:7,ema:9,wma:5,rsi:6,macd:5,13,4,bb:10,1.5,atr:5,stoch:5,2,stochrsi:7,5,2,4,adx:6,cci:9,mfi:5,williamsr:6,roc:3,ichimoku:5,10,20,7,ichimoku:9,26,52,60,psar:0.03,0.3',
  ),
];

function leadingNulls(column: readonly (number | null)[]): number {
  const first = column.findIndex((value) => value !== null);
  return first < 0 ? column.length : first;
}

describe('computeIndicators', () => {
  const all = computeIndicators(candles, SPECS);

  it('returns one series per spec, every output as long as the candles', () => {
    expect(all.map((series) => series.spec.key)).toEqual(SPECS.map((spec) => spec.key));
    for (const series of all) {
      expect(Object.keys(series.columns)).toEqual(series.outputs);
      for (const output of series.outputs) {
        expect(series.columns[output]).toHaveLength(candles.length);
      }
    }
  });

  // The warm-up the catalogue declares is exactly the leading nulls, and after it every value is
  // there (the fixture has no flat windows and no zero volume).
  it.each(SPECS.map((spec, index) => [spec.key, index] as const))(
    '%s: null for exactly the declared warm-up, then values',
    (_key, index) => {
      const series = at(all, index);
      const warmup = indicatorWarmup(series.spec);
      expect(Object.keys(warmup).sort()).toEqual([...series.outputs].sort());
      for (const output of series.outputs) {
        const column = outputColumn(series, output);
        expect({ output, nulls: leadingNulls(column) }).toEqual({ output, nulls: warmup[output] });
        expect(column.slice(warmup[output]).every((value) => value !== null)).toBe(true);
      }
    },
  );

  it('declares the warm-ups of the textbook definitions', () => {
    const warmups = Object.fromEntries(
      parseIndicatorList(
        'sma:20,ema:20,wma:20,rsi:14,macd:12,26,9,bb:20,2,atr:14,stoch:14,3,stochrsi:14,14,3,3,adx:14,cci:20,obv,vwap,mfi:14,williamsr:14,roc:12,ichimoku:9,26,52,26,psar,bullishengulfing,doji,hammer,morningstar',
      ).map((spec) => [spec.key, indicatorWarmup(spec)]),
    );
    expect(warmups).toEqual({
      'sma:20': { value: 19 },
      'ema:20': { value: 19 },
      'wma:20': { value: 19 },
      'rsi:14': { value: 14 },
      'macd:12,26,9': { macd: 25, signal: 33, histogram: 33 },
      'bb:20,2': { lower: 19, middle: 19, upper: 19, percentB: 19, bandwidth: 19 },
      'atr:14': { value: 14 },
      'stoch:14,3': { k: 13, d: 15 },
      'stochrsi:14,14,3,3': { stochRsi: 31, k: 31, d: 31 },
      'adx:14': { adx: 27, plusDi: 14, minusDi: 14 },
      'cci:20': { value: 19 },
      obv: { value: 1 },
      'vwap:24': { value: 0 },
      'mfi:14': { value: 14 },
      'williamsr:14': { value: 13 },
      'roc:12': { value: 12 },
      'ichimoku:9,26,52,26': {
        conversion: 51,
        base: 51,
        spanA: 51,
        spanB: 51,
        cloudA: 77,
        cloudB: 77,
      },
      'psar:0.02,0.2': { value: 1 },
      bullishengulfing: { value: 1 },
      doji: { value: 0 },
      hammer: { value: 4 },
      morningstar: { value: 2 },
    });
    expect(warmupCandles(parseIndicatorList('rsi,macd,ichimoku'))).toBe(77);
  });

  // No look-ahead: the value at candle i comes from candles 0..i, so cutting the series after i
  // changes nothing up to i.
  it.each([1, 30, 77, 150, 299])(
    'values up to candle %i do not change with later candles',
    (end) => {
      const prefix = computeIndicators(candles.slice(0, end), SPECS);
      prefix.forEach((series, index) => {
        for (const output of series.outputs) {
          expect(series.columns[output]).toEqual(
            outputColumn(at(all, index), output).slice(0, end),
          );
        }
      });
    },
  );

  it('gives all nulls when there are fewer candles than the warm-up, and nothing for none', () => {
    const few = computeIndicators(candles.slice(0, 10), parseIndicatorList('macd,stochrsi,adx'));
    for (const series of few) {
      for (const output of series.outputs) {
        expect(series.columns[output]).toEqual(new Array(10).fill(null));
      }
    }
    const none = computeIndicators([], parseIndicatorList('rsi,ichimoku,psar'));
    expect(none.map((series) => series.columns)).toEqual([
      { value: [] },
      { conversion: [], base: [], spanA: [], spanB: [], cloudA: [], cloudB: [] },
      { value: [] },
    ]);
  });

  it('refuses candles out of order or repeated', () => {
    expect(() =>
      computeIndicators([at(candles, 1), at(candles, 0)], parseIndicatorList('rsi')),
    ).toThrow(CandleSequenceError);
    expect(() =>
      computeIndicators([at(candles, 0), at(candles, 0)], parseIndicatorList('rsi')),
    ).toThrow(CandleSequenceError);
  });

  it('refuses a hand-built spec whose key does not match its parameters', () => {
    expect(() => computeIndicators(candles, [{ name: 'rsi', params: [1], key: 'rsi:1' }])).toThrow(
      /rsi period must be an integer from 2 to 1000/,
    );
    expect(() =>
      computeIndicators(candles, [{ name: 'rsi', params: [14], key: 'rsi:15' }]),
    ).toThrow(/does not match/);
  });
});

/** The library quirks the catalogue works around, each shown on data that triggers it. */
describe('library quirks', () => {
  const high = candles.map((candle) => candle.high);
  const low = candles.map((candle) => candle.low);
  const close = candles.map((candle) => candle.close);
  const volume = candles.map((candle) => candle.volume);

  it('MACD: a signal of exactly 0 (a flat market) is 0, not missing', () => {
    const flat = candlesFromCloses(new Array<number>(40).fill(100));
    const [macd] = computeIndicators(flat, parseIndicatorList('macd'));
    expect(outputColumn(macd, 'signal').slice(33)).toEqual(new Array(7).fill(0));
    expect(outputColumn(macd, 'histogram').slice(33)).toEqual(new Array(7).fill(0));
  });

  it('ADX: equal to the library on real candles; where the library turns NaN for good, a number', () => {
    const library = ADX.calculate({ period: 14, high, low, close });
    const [adx] = computeIndicators(candles, parseIndicatorList('adx:14'));
    expect(outputColumn(adx, 'adx').slice(27)).toEqual(library.map((result) => result.adx));
    expect(outputColumn(adx, 'plusDi').slice(27)).toEqual(library.map((result) => result.pdi));
    expect(outputColumn(adx, 'minusDi').slice(27)).toEqual(library.map((result) => result.mdi));

    // Twenty identical candles, then real movement: no directional movement in the first window.
    const start = Date.UTC(2024, 0, 1);
    const quiet = [
      ...new Array(20)
        .fill(0)
        .map((_, index) =>
          candleOf({ openTime: start + index * HOUR_MS, open: 1, high: 1, low: 1, close: 1 }),
        ),
      ...candles.slice(0, 60).map((candle, index) => ({
        ...candle,
        openTime: start + (20 + index) * HOUR_MS,
      })),
    ];
    const libraryQuiet = ADX.calculate({
      period: 14,
      high: quiet.map((candle) => candle.high),
      low: quiet.map((candle) => candle.low),
      close: quiet.map((candle) => candle.close),
    });
    expect(libraryQuiet.every((result) => Number.isNaN(result.adx))).toBe(true);
    const [ours] = computeIndicators(quiet, parseIndicatorList('adx:14'));
    const values = outputColumn(ours, 'adx').slice(27);
    expect(values.every((value) => value !== null && value >= 0 && value <= 100)).toBe(true);
    expect(values[values.length - 1]).toBeGreaterThan(0);
  });

  it('MFI: the library skips a candle, rounds, and counts an unchanged typical price as selling', () => {
    const library = MFI.calculate({ period: 14, high, low, close, volume });
    const [mfi] = computeIndicators(candles, parseIndicatorList('mfi:14'));
    // First value one candle earlier than the library's; then the same up to its rounding.
    expect(library).toHaveLength(candles.length - 15);
    const ours = outputColumn(mfi).slice(15) as number[];
    ours.forEach((value, index) =>
      expect(Math.abs(value - at(library, index))).toBeLessThanOrEqual(0.005),
    );

    // Candle 3 repeats candle 2's typical price: neither buying nor selling.
    const start = Date.UTC(2024, 0, 1);
    const prices = [10, 11, 12, 12, 13];
    const series = prices.map((price, index) =>
      candleOf({
        openTime: start + index * HOUR_MS,
        open: price,
        high: price,
        low: price,
        close: price,
        volume: 100,
      }),
    );
    const [ourMfi] = computeIndicators(series, parseIndicatorList('mfi:3'));
    // Flows 1..3 are up, up, none: nothing negative, MFI 100. Flows 2..4: up, none, up: 100.
    expect(outputColumn(ourMfi)).toEqual([null, null, null, 100, 100]);
    const libraryMfi = MFI.calculate({
      period: 3,
      high: prices,
      low: prices,
      close: prices,
      volume: prices.map(() => 100),
    });
    // The library's only value counts 12 -> 12 as negative flow.
    expect(libraryMfi).toHaveLength(1);
    expect(libraryMfi[0]).toBeLessThan(100);
  });

  it('VWAP: restarts at each UTC midnight; the library never restarts', () => {
    const [vwap] = computeIndicators(candles, parseIndicatorList('vwap'));
    const midnights = candles
      .map((candle, index) => ({ candle, index }))
      .filter(({ candle }) => candle.openTime % 86_400_000 === 0);
    expect(midnights.length).toBeGreaterThanOrEqual(12);
    for (const { candle, index } of midnights) {
      expect(outputColumn(vwap)[index]).toBeCloseTo(
        (candle.high + candle.low + candle.close) / 3,
        9,
      );
    }
    const library = VWAP.calculate({ high, low, close, volume });
    const lastMidnight = at(midnights, midnights.length - 1).index;
    expect(
      Math.abs(at(library, lastMidnight) - (at(outputColumn(vwap), lastMidnight) as number)),
    ).toBeGreaterThan(100);
    // Four-hour sessions restart at 00, 04, 08, ... UTC.
    const [vwap4] = computeIndicators(candles, parseIndicatorList('vwap:4'));
    candles.forEach((candle, index) => {
      if (candle.openTime % (4 * HOUR_MS) === 0) {
        expect(outputColumn(vwap4)[index]).toBeCloseTo(
          (candle.high + candle.low + candle.close) / 3,
          9,
        );
      }
    });
  });

  it('VWAP: a session with no volume yet is null', () => {
    const start = Date.UTC(2024, 0, 1);
    const series = [0, 0, 5].map((volume, index) =>
      candleOf({
        openTime: start + index * HOUR_MS,
        open: 10,
        high: 11,
        low: 9,
        close: 10,
        volume,
      }),
    );
    const [vwap] = computeIndicators(series, parseIndicatorList('vwap'));
    expect(outputColumn(vwap)).toEqual([null, null, 10]);
  });

  it("PSAR: the library's first value is the first low, a start assumption; null here, then the same", () => {
    const library = PSAR.calculate({ high, low, step: 0.02, max: 0.2 });
    expect(library[0]).toBe(low[0]);
    const [psar] = computeIndicators(candles, parseIndicatorList('psar'));
    expect(outputColumn(psar)[0]).toBeNull();
    expect(outputColumn(psar).slice(1)).toEqual(library.slice(1));
  });

  it('Ichimoku: the library does not displace the spans; cloudA/cloudB are the spans of 26 candles ago', () => {
    const library = IchimokuCloud.calculate({
      high,
      low,
      conversionPeriod: 9,
      basePeriod: 26,
      spanPeriod: 52,
      displacement: 26,
    });
    const [ichimoku] = computeIndicators(candles, parseIndicatorList('ichimoku'));
    expect(outputColumn(ichimoku, 'spanA').slice(51)).toEqual(
      library.map((result) => result.spanA),
    );
    for (let index = 77; index < candles.length; index++) {
      expect(outputColumn(ichimoku, 'cloudA')[index]).toBe(
        outputColumn(ichimoku, 'spanA')[index - 26],
      );
      expect(outputColumn(ichimoku, 'cloudB')[index]).toBe(
        outputColumn(ichimoku, 'spanB')[index - 26],
      );
    }
  });

  it('hammer: the library compares its trend averages as strings; here as numbers', () => {
    // Closes 100 -> 80 -> 98: average loss 10, average gain 9, a decline. As strings "10" < "9".
    const start = Date.UTC(2024, 0, 1);
    const window = {
      open: [100, 100, 80, 95, 97],
      high: [101, 100, 98, 97, 99.5],
      low: [99, 79, 79, 90, 96.5],
      close: [100, 80, 98, 97, 99],
    };
    expect(hammerpattern(window)).toBe(false);
    const series = window.close.map((closePrice, index) =>
      candleOf({
        openTime: start + index * HOUR_MS,
        open: at(window.open, index),
        high: at(window.high, index),
        low: at(window.low, index),
        close: closePrice,
      }),
    );
    const [hammer] = computeIndicators(series, [createIndicatorSpec('hammer')]);
    expect(outputColumn(hammer)).toEqual([null, null, null, null, 1]);
  });
});
