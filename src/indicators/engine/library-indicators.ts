import {
  ATR,
  CCI,
  EMA,
  IchimokuCloud,
  MACD,
  OBV,
  PSAR,
  ROC,
  RSI,
  SMA,
  Stochastic,
  StochasticRSI,
  WilliamsR,
  WMA,
} from 'technicalindicators';
import type { Candle } from '../../market-data/candle';
import {
  alignLibraryResult,
  defineIndicator,
  finiteOrNull,
  periodParam,
  readOutputs,
  sameWarmup,
  unformatted,
  valueOutput,
  type IndicatorOutputDefinition,
  type IndicatorState,
  type IndicatorValues,
  type OutputReaders,
} from './indicator-definition';

/*
 * Catalogue entries computed by technicalindicators 3.1.0: bulk through `X.calculate`, incremental
 * through `new X({ ...,  values: [] }).nextValue`. Both run the same generator inside the library,
 * so they give identical numbers. Each entry states where the library's first value lands (the
 * alignment offset) and what it does differently from the textbook; QUIRKS.md has the details.
 */

/** `nextValue` as the library implements it (several typings declare the wrong argument). */
interface NextValue<Input, Output> {
  nextValue(input: Input): Output | undefined;
}

function stepper<Input, Output>(indicator: object): NextValue<Input, Output> {
  return indicator as NextValue<Input, Output>;
}

interface HighLowClose {
  high: number;
  low: number;
  close: number;
}

function highLowClose(candle: Candle): HighLowClose {
  return { high: candle.high, low: candle.low, close: candle.close };
}

/** A single-output indicator of the close. */
function closeState(indicator: NextValue<number, number>): IndicatorState {
  return { next: (candle) => ({ value: finiteOrNull(indicator.nextValue(candle.close)) }) };
}

/** A single-output indicator of high, low and close. */
function highLowCloseState(indicator: NextValue<HighLowClose, number>): IndicatorState {
  return {
    next: (candle) => ({ value: finiteOrNull(indicator.nextValue(highLowClose(candle))) }),
  };
}

const value = (result: number): number => result;

export const smaIndicator = defineIndicator({
  name: 'sma',
  title: 'Simple moving average of the close',
  category: 'trend',
  memory: 'window',
  params: [periodParam(20)],
  outputs: valueOutput('price'),
  warmupRule: 'period - 1',
  warmup: ([period]) => ({ value: period - 1 }),
  computeBulk: (series, [period]) =>
    alignLibraryResult({
      library: 'SMA',
      candleCount: series.candles.length,
      offset: period - 1,
      results: SMA.calculate({ period, values: series.close, format: unformatted }),
      outputs: { value },
    }),
  createState: ([period]) =>
    closeState(stepper(new SMA({ period, values: [], format: unformatted }))),
});

// Seeded with the SMA of the first `period` closes (textbook). The seed is skipped while that SMA is
// exactly 0 (`if (prevEma)`), which only zero prices could cause.
export const emaIndicator = defineIndicator({
  name: 'ema',
  title: 'Exponential moving average of the close',
  category: 'trend',
  memory: 'recursive',
  params: [periodParam(20)],
  outputs: valueOutput('price'),
  warmupRule: 'period - 1',
  warmup: ([period]) => ({ value: period - 1 }),
  computeBulk: (series, [period]) =>
    alignLibraryResult({
      library: 'EMA',
      candleCount: series.candles.length,
      offset: period - 1,
      results: EMA.calculate({ period, values: series.close, format: unformatted }),
      outputs: { value },
    }),
  createState: ([period]) =>
    closeState(stepper(new EMA({ period, values: [], format: unformatted }))),
});

export const wmaIndicator = defineIndicator({
  name: 'wma',
  title: 'Linearly weighted moving average of the close',
  category: 'trend',
  memory: 'window',
  params: [periodParam(20)],
  outputs: valueOutput('price'),
  warmupRule: 'period - 1',
  warmup: ([period]) => ({ value: period - 1 }),
  computeBulk: (series, [period]) =>
    alignLibraryResult({
      library: 'WMA',
      candleCount: series.candles.length,
      offset: period - 1,
      results: WMA.calculate({ period, values: series.close, format: unformatted }),
      outputs: { value },
    }),
  createState: ([period]) =>
    closeState(stepper(new WMA({ period, values: [], format: unformatted }))),
});

// QUIRK: the library rounds every RSI to 2 decimals (`toFixed(2)`) whatever `format` says. Its
// Wilder averages stay unrounded, so the error is at most 0.005 and never accumulates.
// Average loss 0 gives 100, average gain 0 gives 0.
export const rsiIndicator = defineIndicator({
  name: 'rsi',
  title: 'Relative strength index (Wilder)',
  category: 'momentum',
  memory: 'recursive',
  params: [periodParam(14)],
  outputs: valueOutput('percent'),
  warmupRule: 'period',
  warmup: ([period]) => ({ value: period }),
  computeBulk: (series, [period]) =>
    alignLibraryResult({
      library: 'RSI',
      candleCount: series.candles.length,
      offset: period,
      results: RSI.calculate({ period, values: series.close, format: unformatted }),
      outputs: { value },
    }),
  createState: ([period]) =>
    closeState(stepper(new RSI({ period, values: [], format: unformatted }))),
  notes: 'Rounded to 2 decimals by technicalindicators (error at most 0.005, not accumulated).',
});

interface MacdResult {
  MACD?: number;
  signal?: number;
  histogram?: number;
}

// QUIRK: the library reports a signal of exactly 0 as undefined (`signal ? ... : undefined`), which
// a flat market produces forever. A defined histogram means the signal exists: it is then 0.
const macdOutputs: OutputReaders<MacdResult> = {
  macd: (result: MacdResult) => result.MACD,
  signal: (result: MacdResult) => result.signal ?? (result.histogram === undefined ? undefined : 0),
  histogram: (result: MacdResult) => result.histogram,
};

// EMA for both the oscillator and the signal: the library's `SimpleMAOscillator` and
// `SimpleMASignal` default to EMA when absent; we pass `false` explicitly.
export const macdIndicator = defineIndicator({
  name: 'macd',
  title: 'Moving average convergence/divergence',
  category: 'momentum',
  memory: 'recursive',
  params: [
    periodParam(12, { name: 'fastPeriod', description: 'candles in the fast EMA' }),
    periodParam(26, { name: 'slowPeriod', description: 'candles in the slow EMA' }),
    periodParam(9, { name: 'signalPeriod', description: 'MACD values in the signal EMA', min: 1 }),
  ],
  outputs: [
    { name: 'macd', description: 'fast EMA - slow EMA', unit: 'priceChange' },
    { name: 'signal', description: 'EMA of the MACD line', unit: 'priceChange' },
    { name: 'histogram', description: 'macd - signal', unit: 'priceChange' },
  ],
  warmupRule: 'macd: slowPeriod - 1; signal, histogram: slowPeriod + signalPeriod - 2',
  warmup: ([, slowPeriod, signalPeriod]) => ({
    macd: slowPeriod - 1,
    signal: slowPeriod + signalPeriod - 2,
    histogram: slowPeriod + signalPeriod - 2,
  }),
  checkParams: ([fastPeriod, slowPeriod]) =>
    fastPeriod < slowPeriod
      ? undefined
      : `fastPeriod (${fastPeriod}) must be less than slowPeriod (${slowPeriod})`,
  computeBulk: (series, [fastPeriod, slowPeriod, signalPeriod]) =>
    alignLibraryResult({
      library: 'MACD',
      candleCount: series.candles.length,
      offset: slowPeriod - 1,
      results: MACD.calculate({
        values: series.close,
        fastPeriod,
        slowPeriod,
        signalPeriod,
        SimpleMAOscillator: false,
        SimpleMASignal: false,
        format: unformatted,
      }),
      outputs: macdOutputs,
    }),
  createState: ([fastPeriod, slowPeriod, signalPeriod]) => {
    const macd = stepper<number, MacdResult>(
      new MACD({
        values: [],
        fastPeriod,
        slowPeriod,
        signalPeriod,
        SimpleMAOscillator: false,
        SimpleMASignal: false,
        format: unformatted,
      }),
    );
    return { next: (candle) => readOutputs(macd.nextValue(candle.close), macdOutputs) };
  },
});

interface BollingerResult {
  lower: number;
  middle: number;
  upper: number;
  pb: number;
}

// Population standard deviation (divides by period), as Bollinger defines it. The library has no
// bandwidth; we add (upper - lower) / middle. %b is 0/0 on a flat window: null.
const bollingerOutputs: OutputReaders<BollingerResult> = {
  lower: (result: BollingerResult) => result.lower,
  middle: (result: BollingerResult) => result.middle,
  upper: (result: BollingerResult) => result.upper,
  percentB: (result: BollingerResult) => result.pb,
  bandwidth: (result: BollingerResult) => (result.upper - result.lower) / result.middle,
};

const BOLLINGER_OUTPUTS: readonly IndicatorOutputDefinition[] = [
  { name: 'lower', description: 'middle - stdDev standard deviations', unit: 'price' },
  { name: 'middle', description: 'SMA of the close', unit: 'price' },
  { name: 'upper', description: 'middle + stdDev standard deviations', unit: 'price' },
  { name: 'percentB', description: '(close - lower) / (upper - lower)', unit: 'fraction' },
  { name: 'bandwidth', description: '(upper - lower) / middle', unit: 'ratio' },
];

export const bollingerIndicator = defineIndicator({
  name: 'bb',
  title: 'Bollinger Bands',
  category: 'volatility',
  memory: 'window',
  params: [
    periodParam(20),
    {
      name: 'stdDev',
      description: 'band width in standard deviations',
      type: 'real',
      default: 2,
      min: 0,
      max: 10,
      minExclusive: true,
    },
  ],
  outputs: BOLLINGER_OUTPUTS,
  warmupRule: 'period - 1',
  warmup: ([period]) => sameWarmup(BOLLINGER_OUTPUTS, period - 1),
  computeBulk: (series, [period, stdDev]) => {
    const window = new BollingerWindow(period, stdDev);
    const count = series.close.length;
    const lower = new Array<number | null>(count).fill(null);
    const middle = new Array<number | null>(count).fill(null);
    const upper = new Array<number | null>(count).fill(null);
    const percentB = new Array<number | null>(count).fill(null);
    const bandwidth = new Array<number | null>(count).fill(null);
    const closes = series.close;
    for (let index = 0; index < count; index++) {
      const result = window.push(closes[index] as number); // index < count = closes.length
      if (result) {
        lower[index] = finiteOrNull(result.lower);
        middle[index] = finiteOrNull(result.middle);
        upper[index] = finiteOrNull(result.upper);
        percentB[index] = finiteOrNull(result.pb);
        bandwidth[index] = finiteOrNull((result.upper - result.lower) / result.middle);
      }
    }
    return { lower, middle, upper, percentB, bandwidth };
  },
  createState: ([period, stdDev]) => {
    const window = new BollingerWindow(period, stdDev);
    return { next: (candle) => readOutputs(window.push(candle.close), bollingerOutputs) };
  },
});

/**
 * Bollinger Bands with the library's exact arithmetic (its SMA's running sum `sum - oldest +
 * current`, then the population deviation summed oldest first), without its generators and linked
 * lists: the library's `BollingerBands.calculate` took 3 ms for 1,800 candles, most of a
 * `GET /indicators` request. A spec checks equality with the library.
 */
class BollingerWindow {
  private readonly closes: number[] = [];
  private sum = 0;
  private seen = 0;

  constructor(
    private readonly period: number,
    private readonly stdDev: number,
  ) {}

  push(close: number): BollingerResult | undefined {
    this.seen++;
    this.closes.push(close);
    if (this.seen < this.period) {
      this.sum = this.sum + close;
      return undefined;
    }
    const oldest = this.closes.length > this.period ? (this.closes.shift() ?? 0) : 0;
    this.sum = this.sum - oldest + close;
    const mean = this.sum / this.period;
    let squares = 0;
    for (const value of this.closes) {
      squares = squares + Math.pow(value - mean, 2);
    }
    const deviation = Math.sqrt(squares / this.period);
    const upper = mean + deviation * this.stdDev;
    const lower = mean - deviation * this.stdDev;
    return { lower, middle: mean, upper, pb: (close - lower) / (upper - lower) };
  }
}

// QUIRK: the first true range needs a previous close, so the library starts TR at candle 1 and the
// first ATR (the mean of TR 1..period) lands at candle `period`, not `period - 1` as in Wilder's
// original (which uses high - low for the first candle). Wilder smoothing afterwards.
export const atrIndicator = defineIndicator({
  name: 'atr',
  title: 'Average true range (Wilder)',
  category: 'volatility',
  memory: 'recursive',
  params: [periodParam(14, { min: 1 })],
  outputs: valueOutput('priceChange'),
  warmupRule: 'period',
  warmup: ([period]) => ({ value: period }),
  computeBulk: (series, [period]) =>
    alignLibraryResult({
      library: 'ATR',
      candleCount: series.candles.length,
      offset: period,
      results: ATR.calculate({
        period,
        high: series.high,
        low: series.low,
        close: series.close,
        format: unformatted,
      }),
      outputs: { value },
    }),
  createState: ([period]) =>
    highLowCloseState(
      stepper(new ATR({ period, high: [], low: [], close: [], format: unformatted })),
    ),
});

interface StochasticResult {
  k: number;
  d?: number;
}

const stochasticOutputs: OutputReaders<StochasticResult> = {
  k: (result) => result.k,
  d: (result) => result.d,
};

// QUIRK: the fast stochastic (%K unsmoothed, %D = SMA of %K). When high == low over the whole window
// (0/0) the library returns %K = 0, not "undefined"; kept, since it cannot happen on a traded market.
export const stochasticIndicator = defineIndicator({
  name: 'stoch',
  title: 'Stochastic oscillator (fast %K, %D)',
  category: 'momentum',
  memory: 'window',
  params: [
    periodParam(14),
    periodParam(3, { name: 'signalPeriod', description: 'candles in the %D SMA', min: 1 }),
  ],
  outputs: [
    {
      name: 'k',
      description: '%K: where the close sits in the high-low range, 0..100',
      unit: 'percent',
    },
    { name: 'd', description: '%D: SMA of %K', unit: 'percent' },
  ],
  warmupRule: 'k: period - 1; d: period + signalPeriod - 2',
  warmup: ([period, signalPeriod]) => ({ k: period - 1, d: period + signalPeriod - 2 }),
  computeBulk: (series, [period, signalPeriod]) =>
    alignLibraryResult({
      library: 'Stochastic',
      candleCount: series.candles.length,
      offset: period - 1,
      results: Stochastic.calculate({
        period,
        signalPeriod,
        high: series.high,
        low: series.low,
        close: series.close,
        format: unformatted,
      }),
      outputs: stochasticOutputs,
    }),
  createState: ([period, signalPeriod]) => {
    const stochastic = stepper<HighLowClose, StochasticResult>(
      new Stochastic({
        period,
        signalPeriod,
        high: [],
        low: [],
        close: [],
        format: unformatted,
      }),
    );
    return {
      next: (candle) => readOutputs(stochastic.nextValue(highLowClose(candle)), stochasticOutputs),
    };
  },
});

interface StochasticRsiResult {
  stochRSI: number;
  k: number;
  d: number;
}

const stochasticRsiOutputs: OutputReaders<StochasticRsiResult> = {
  stochRsi: (result) => result.stochRSI,
  k: (result) => result.k,
  d: (result) => result.d,
};

const STOCH_RSI_OUTPUTS: readonly IndicatorOutputDefinition[] = [
  { name: 'stochRsi', description: 'stochastic of the RSI, 0..100', unit: 'percent' },
  { name: 'k', description: 'SMA of stochRsi', unit: 'percent' },
  { name: 'd', description: 'SMA of k', unit: 'percent' },
];

// QUIRK: built on the library's RSI rounded to 2 decimals; the stochastic stretches that rounding
// (up to 0.2 points of stochRsi on BTCUSDT 1h 2017-2022). A flat RSI window gives 0 (as for stoch).
// The library emits nothing until d exists, so all three outputs share one warm-up.
export const stochasticRsiIndicator = defineIndicator({
  name: 'stochrsi',
  title: 'Stochastic RSI',
  category: 'momentum',
  memory: 'recursive',
  params: [
    periodParam(14, { name: 'rsiPeriod', description: 'candles in the RSI' }),
    periodParam(14, {
      name: 'stochasticPeriod',
      description: 'RSI values in the stochastic window',
    }),
    periodParam(3, { name: 'kPeriod', description: 'values in the k SMA', min: 1 }),
    periodParam(3, { name: 'dPeriod', description: 'values in the d SMA', min: 1 }),
  ],
  outputs: STOCH_RSI_OUTPUTS,
  warmupRule: 'rsiPeriod + stochasticPeriod + kPeriod + dPeriod - 3',
  warmup: ([rsiPeriod, stochasticPeriod, kPeriod, dPeriod]) =>
    sameWarmup(STOCH_RSI_OUTPUTS, rsiPeriod + stochasticPeriod + kPeriod + dPeriod - 3),
  computeBulk: (series, [rsiPeriod, stochasticPeriod, kPeriod, dPeriod]) =>
    alignLibraryResult({
      library: 'StochasticRSI',
      candleCount: series.candles.length,
      offset: rsiPeriod + stochasticPeriod + kPeriod + dPeriod - 3,
      results: StochasticRSI.calculate({
        values: series.close,
        rsiPeriod,
        stochasticPeriod,
        kPeriod,
        dPeriod,
        format: unformatted,
      }),
      outputs: stochasticRsiOutputs,
    }),
  createState: ([rsiPeriod, stochasticPeriod, kPeriod, dPeriod]) => {
    const stochasticRsi = stepper<number, StochasticRsiResult>(
      new StochasticRSI({
        values: [],
        rsiPeriod,
        stochasticPeriod,
        kPeriod,
        dPeriod,
        format: unformatted,
      }),
    );
    return {
      next: (candle) => readOutputs(stochasticRsi.nextValue(candle.close), stochasticRsiOutputs),
    };
  },
  notes: 'Built on the RSI rounded to 2 decimals; a flat RSI window gives 0.',
});

// Typical price (high + low + close) / 3, mean absolute deviation, constant 0.015. A window of
// identical typical prices is 0/0: null.
export const cciIndicator = defineIndicator({
  name: 'cci',
  title: 'Commodity channel index',
  category: 'momentum',
  memory: 'window',
  params: [periodParam(20)],
  outputs: valueOutput('unbounded'),
  warmupRule: 'period - 1',
  warmup: ([period]) => ({ value: period - 1 }),
  computeBulk: (series, [period]) =>
    alignLibraryResult({
      library: 'CCI',
      candleCount: series.candles.length,
      offset: period - 1,
      results: CCI.calculate({
        period,
        high: series.high,
        low: series.low,
        close: series.close,
        format: unformatted,
      }),
      outputs: { value },
    }),
  createState: ([period]) =>
    highLowCloseState(
      stepper(new CCI({ period, high: [], low: [], close: [], format: unformatted })),
    ),
});

// QUIRK: the library gives no value for the first candle (it only stores its close) and counts from
// 0 there, so OBV at candle i is the signed volume of candles 1..i.
export const obvIndicator = defineIndicator({
  name: 'obv',
  title: 'On-balance volume',
  category: 'volume',
  memory: 'cumulative',
  params: [],
  outputs: valueOutput('volume'),
  warmupRule: '1',
  warmup: () => ({ value: 1 }),
  computeBulk: (series) =>
    alignLibraryResult({
      library: 'OBV',
      candleCount: series.candles.length,
      offset: 1,
      results: OBV.calculate({ close: series.close, volume: series.volume, format: unformatted }),
      outputs: { value },
    }),
  createState: () => {
    const obv = stepper<{ close: number; volume: number }, number>(
      new OBV({ close: [], volume: [], format: unformatted }),
    );
    return {
      next: (candle) => ({
        value: finiteOrNull(obv.nextValue({ close: candle.close, volume: candle.volume })),
      }),
    };
  },
});

// A flat window (highest high == lowest low) is 0/0: null.
export const williamsRIndicator = defineIndicator({
  name: 'williamsr',
  title: 'Williams %R',
  category: 'momentum',
  memory: 'window',
  params: [periodParam(14)],
  outputs: valueOutput('negativePercent'),
  warmupRule: 'period - 1',
  warmup: ([period]) => ({ value: period - 1 }),
  computeBulk: (series, [period]) =>
    alignLibraryResult({
      library: 'WilliamsR',
      candleCount: series.candles.length,
      offset: period - 1,
      results: WilliamsR.calculate({
        period,
        high: series.high,
        low: series.low,
        close: series.close,
        format: unformatted,
      }),
      outputs: { value },
    }),
  createState: ([period]) =>
    highLowCloseState(
      stepper(new WilliamsR({ period, high: [], low: [], close: [], format: unformatted })),
    ),
});

// (close - close `period` candles ago) / that close * 100. The library computes a NaN at candle
// period - 1 (nothing shifted out yet) and filters it, so the first value is at candle `period`.
export const rocIndicator = defineIndicator({
  name: 'roc',
  title: 'Rate of change, percent',
  category: 'momentum',
  memory: 'window',
  params: [periodParam(12, { description: 'candles back', min: 1 })],
  outputs: valueOutput('ratio'),
  warmupRule: 'period',
  warmup: ([period]) => ({ value: period }),
  computeBulk: (series, [period]) =>
    alignLibraryResult({
      library: 'ROC',
      candleCount: series.candles.length,
      offset: period,
      results: ROC.calculate({ period, values: series.close, format: unformatted }),
      outputs: { value },
    }),
  createState: ([period]) =>
    closeState(stepper(new ROC({ period, values: [], format: unformatted }))),
});

interface IchimokuResult {
  conversion: number;
  base: number;
  spanA: number;
  spanB: number;
}

/** The outputs the library computes; the cloud is added from them. */
const ichimokuOutputs = {
  conversion: (result) => result.conversion,
  base: (result) => result.base,
  spanA: (result) => result.spanA,
  spanB: (result) => result.spanB,
} satisfies OutputReaders<IchimokuResult>;

/** The column moved `by` candles later: value i is column[i - by], null for the first `by`. */
function shiftedLater(column: readonly (number | null)[], by: number): (number | null)[] {
  return column.map((_, index) => (index < by ? null : (column[index - by] ?? null)));
}

const ICHIMOKU_OUTPUTS: readonly IndicatorOutputDefinition[] = [
  {
    name: 'conversion',
    description: 'Tenkan-sen: midpoint of the conversionPeriod range',
    unit: 'price',
  },
  { name: 'base', description: 'Kijun-sen: midpoint of the basePeriod range', unit: 'price' },
  {
    name: 'spanA',
    description: 'Senkou span A computed on this candle (charts plot it displacement ahead)',
    unit: 'price',
  },
  {
    name: 'spanB',
    description: 'Senkou span B computed on this candle (charts plot it displacement ahead)',
    unit: 'price',
  },
  {
    name: 'cloudA',
    description: 'the cloud under this candle: spanA of displacement candles ago',
    unit: 'price',
  },
  {
    name: 'cloudB',
    description: 'the cloud under this candle: spanB of displacement candles ago',
    unit: 'price',
  },
];

function ichimokuStart([conversionPeriod, basePeriod, spanPeriod, displacement]: readonly [
  number,
  number,
  number,
  number,
]) {
  return Math.max(conversionPeriod, basePeriod, spanPeriod, displacement) - 1;
}

// QUIRK: the library waits for max(all four periods) candles before any output, even conversion
// (needs 9); it does not displace the spans (the shift is commented out in its source) and has no
// lagging span. We keep its spans as computed on the candle and add cloudA/cloudB, the spans of
// `displacement` candles ago, which is the cloud a chart shows under the candle without look-ahead.
// The lagging span (close plotted 26 back) would need future candles and is left out.
export const ichimokuIndicator = defineIndicator({
  name: 'ichimoku',
  title: 'Ichimoku cloud',
  category: 'trend',
  memory: 'window',
  params: [
    periodParam(9, {
      name: 'conversionPeriod',
      description: 'candles in the conversion line',
      min: 1,
    }),
    periodParam(26, { name: 'basePeriod', description: 'candles in the base line', min: 1 }),
    periodParam(52, { name: 'spanPeriod', description: 'candles in span B', min: 1 }),
    periodParam(26, {
      name: 'displacement',
      description: 'candles the spans are plotted ahead',
      min: 1,
    }),
  ],
  outputs: ICHIMOKU_OUTPUTS,
  warmupRule:
    'conversion, base, spanA, spanB: max(all params) - 1; cloudA, cloudB: that + displacement',
  warmup: (params) => {
    const start = ichimokuStart(params);
    const cloud = start + params[3];
    return {
      conversion: start,
      base: start,
      spanA: start,
      spanB: start,
      cloudA: cloud,
      cloudB: cloud,
    };
  },
  computeBulk: (series, params) => {
    const [conversionPeriod, basePeriod, spanPeriod, displacement] = params;
    const columns = alignLibraryResult({
      library: 'IchimokuCloud',
      candleCount: series.candles.length,
      offset: ichimokuStart(params),
      results: IchimokuCloud.calculate({
        high: series.high,
        low: series.low,
        conversionPeriod,
        basePeriod,
        spanPeriod,
        displacement,
        format: unformatted,
      }),
      outputs: ichimokuOutputs,
    });
    return {
      ...columns,
      cloudA: shiftedLater(columns.spanA, displacement),
      cloudB: shiftedLater(columns.spanB, displacement),
    };
  },
  createState: ([conversionPeriod, basePeriod, spanPeriod, displacement]) => {
    const ichimoku = stepper<{ high: number; low: number }, IchimokuResult>(
      new IchimokuCloud({
        high: [],
        low: [],
        conversionPeriod,
        basePeriod,
        spanPeriod,
        displacement,
        format: unformatted,
      }),
    );
    // The spans of the last `displacement` candles, oldest at `slot`.
    const pastSpanA = new Array<number | null>(displacement).fill(null);
    const pastSpanB = new Array<number | null>(displacement).fill(null);
    let slot = 0;
    return {
      next: (candle) => {
        const lines = readOutputs(
          ichimoku.nextValue({ high: candle.high, low: candle.low }),
          ichimokuOutputs,
        );
        const values: IndicatorValues = lines;
        values.cloudA = pastSpanA[slot] ?? null;
        values.cloudB = pastSpanB[slot] ?? null;
        pastSpanA[slot] = lines.spanA;
        pastSpanB[slot] = lines.spanB;
        slot = (slot + 1) % displacement;
        return values;
      },
    };
  },
});

// QUIRK: the library assumes an uptrend on the first candle and returns that candle's low as its
// SAR; that is a starting assumption, not a SAR, so the first candle is null here. Afterwards the
// value at candle i is the SAR in force for candle i (after a reversal on it, the old extreme).
export const psarIndicator = defineIndicator({
  name: 'psar',
  title: 'Parabolic SAR',
  category: 'trend',
  memory: 'recursive',
  // Its state restarts at each reversal, which 500 candles hold many of (30 "periods" of its
  // real-valued parameters were 31 candles, and a fifth of the values then differed).
  historyCandles: 500,
  params: [
    {
      name: 'step',
      description: 'acceleration factor start and increment',
      type: 'real',
      default: 0.02,
      min: 0,
      max: 1,
      minExclusive: true,
    },
    {
      name: 'max',
      description: 'acceleration factor cap',
      type: 'real',
      default: 0.2,
      min: 0,
      max: 1,
      minExclusive: true,
    },
  ],
  outputs: valueOutput('price'),
  warmupRule: '1',
  warmup: () => ({ value: 1 }),
  checkParams: ([step, max]) =>
    step <= max ? undefined : `step (${step}) must not exceed max (${max})`,
  computeBulk: (series, [step, max]) => {
    const columns = alignLibraryResult({
      library: 'PSAR',
      candleCount: series.candles.length,
      offset: 0,
      results: PSAR.calculate({
        high: series.high,
        low: series.low,
        step,
        max,
        format: unformatted,
      }),
      outputs: { value },
    });
    if (columns.value.length > 0) {
      columns.value[0] = null;
    }
    return columns;
  },
  createState: ([step, max]) => {
    const psar = stepper<{ high: number; low: number }, number>(
      new PSAR({ high: [], low: [], step, max, format: unformatted }),
    );
    let first = true;
    return {
      next: (candle) => {
        const sar = psar.nextValue({ high: candle.high, low: candle.low });
        if (first) {
          first = false;
          return { value: null };
        }
        return { value: finiteOrNull(sar) };
      },
    };
  },
});
