import type { Candle } from '../../market-data/candle';

export type IndicatorCategory = 'trend' | 'momentum' | 'volatility' | 'volume' | 'pattern';

/**
 * How far back a value looks, which tells the API how much history to load before a range:
 * - `window`: only the last N candles (the warm-up); any start gives the same values.
 * - `recursive`: seeded at the series start and smoothed since (EMA, Wilder); early values depend
 *   on where the series starts and converge after a few periods.
 * - `cumulative`: a running total since the series start (OBV); only changes are comparable.
 * - `session`: reset at each session start (VWAP); the first, partial session depends on the start.
 */
export type IndicatorMemory = 'window' | 'recursive' | 'cumulative' | 'session';

export interface IndicatorParamDefinition {
  name: string;
  description: string;
  type: 'integer' | 'real';
  default: number;
  min: number;
  max: number;
  /** True when `min` itself is refused (a positive real: min 0, exclusive). */
  minExclusive?: boolean;
}

/**
 * What an output's numbers measure. A model input needs numbers whose scale does not drift with
 * the price (an EMA of BTC in 2017 and in 2021 differ tenfold), so each unit says how
 * `src/models/engine/features.ts` makes the output stationary:
 * - `price`: a price level (moving averages, bands, VWAP, SAR, Ichimoku lines): value / close - 1;
 * - `priceChange`: a difference of prices (MACD lines, ATR): value / close;
 * - `percent` (0..100), `negativePercent` (-100..0), `fraction` (about 0..1), `flag` (0 or 1):
 *   bounded oscillators, scaled to about [-0.5, 0.5];
 * - `ratio`: already scale-free (bandwidth, rate of change): used as it is;
 * - `volume`: volume-denominated (OBV), and `unbounded`: no natural scale (CCI): a rolling z-score.
 */
export const OUTPUT_UNITS = [
  'price',
  'priceChange',
  'percent',
  'negativePercent',
  'fraction',
  'flag',
  'ratio',
  'volume',
  'unbounded',
] as const;
export type OutputUnit = (typeof OUTPUT_UNITS)[number];

export interface IndicatorOutputDefinition {
  name: string;
  description: string;
  unit: OutputUnit;
}

/** One candle's values of one indicator by output name: null while warming up or undefined (0/0). */
export type IndicatorValues = Record<string, number | null>;

/** One indicator over a candle series: one array per output, each as long as the candles. */
export type IndicatorColumns = Record<string, (number | null)[]>;

/** The running state of one indicator for one market, fed one closed candle at a time. */
export interface IndicatorState {
  next(candle: Candle): IndicatorValues;
}

/** Candles split into columns, shared by every indicator of a bulk computation. */
export interface CandleSeries {
  readonly candles: readonly Candle[];
  readonly openTime: number[];
  readonly open: number[];
  readonly high: number[];
  readonly low: number[];
  readonly close: number[];
  readonly volume: number[];
}

export interface IndicatorDefinition {
  /** Lowercase key used in specs: `rsi` in `rsi:14`. */
  name: string;
  title: string;
  category: IndicatorCategory;
  memory: IndicatorMemory;
  /**
   * For a recursive indicator whose memory is not a smoothing period (Parabolic SAR carries its
   * trend, extreme point and acceleration until a reversal): candles of history beyond the warm-up
   * after which values no longer depend on where the series started.
   */
  historyCandles?: number;
  /** Positional parameters, in spec order. */
  params: readonly IndicatorParamDefinition[];
  outputs: readonly IndicatorOutputDefinition[];
  /** The warm-up in words, e.g. `period - 1`. */
  warmupRule: string;
  /** Leading null candles of each output for these parameters. */
  warmup(params: readonly number[]): Record<string, number>;
  /** A problem that involves several parameters (MACD fast < slow), if any. */
  checkParams?(params: readonly number[]): string | undefined;
  computeBulk(series: CandleSeries, params: readonly number[]): IndicatorColumns;
  createState(params: readonly number[]): IndicatorState;
  /** Library behaviour this entry works around or keeps, in one or two sentences. */
  notes?: string;
}

/** One value per parameter definition, in order: `readonly [number]` for `[periodParam(20)]`. */
type ParamValues<Params extends readonly IndicatorParamDefinition[]> = {
  readonly [Index in keyof Params]: number;
};

/** A catalogue entry as written: its callbacks receive one value per entry of `params`. */
export interface TypedIndicatorDefinition<
  Params extends readonly IndicatorParamDefinition[],
> extends Omit<
  IndicatorDefinition,
  'params' | 'warmup' | 'checkParams' | 'computeBulk' | 'createState'
> {
  params: Params;
  warmup(params: ParamValues<Params>): Record<string, number>;
  checkParams?(params: ParamValues<Params>): string | undefined;
  computeBulk(series: CandleSeries, params: ParamValues<Params>): IndicatorColumns;
  createState(params: ParamValues<Params>): IndicatorState;
}

/**
 * A catalogue entry whose callbacks destructure their parameter values by position. Specs are
 * resolved against `params` (one value each, defaults filled in), so a list of another length is a
 * programming error: it is refused here, once per call, instead of reaching an indicator as
 * `undefined`.
 */
export function defineIndicator<const Params extends readonly IndicatorParamDefinition[]>(
  definition: TypedIndicatorDefinition<Params>,
): IndicatorDefinition {
  const valuesOf = (params: readonly number[]): ParamValues<Params> => {
    if (params.length !== definition.params.length) {
      throw new Error(
        `${definition.name} takes ${definition.params.length} parameter values, got ${params.length}`,
      );
    }
    return params as ParamValues<Params>;
  };
  const { checkParams } = definition;
  return {
    ...definition,
    warmup: (params) => definition.warmup(valuesOf(params)),
    ...(checkParams === undefined
      ? {}
      : { checkParams: (params: readonly number[]) => checkParams(valuesOf(params)) }),
    computeBulk: (series, params) => definition.computeBulk(series, valuesOf(params)),
    createState: (params) => definition.createState(valuesOf(params)),
  };
}

/** The one output of a single-output indicator, named `value`. */
export function valueOutput(unit: OutputUnit): readonly IndicatorOutputDefinition[] {
  return [{ name: 'value', description: 'the indicator value', unit }];
}

type CandleColumn = 'openTime' | 'open' | 'high' | 'low' | 'close' | 'volume';

/**
 * The candles with each column built on first use and kept: an indicator of the close alone does
 * not pay for the other five.
 */
export function toCandleSeries(candles: readonly Candle[]): CandleSeries {
  const built = new Map<CandleColumn, number[]>();
  const column = (name: CandleColumn): number[] => {
    let values = built.get(name);
    if (values === undefined) {
      values = [];
      for (const candle of candles) {
        values.push(candle[name]);
      }
      built.set(name, values);
    }
    return values;
  };
  return {
    candles,
    get openTime() {
      return column('openTime');
    },
    get open() {
      return column('open');
    },
    get high() {
      return column('high');
    },
    get low() {
      return column('low');
    },
    get close() {
      return column('close');
    },
    get volume() {
      return column('volume');
    },
  };
}

/** A number when it is one; null for undefined, NaN and ±Infinity (0/0 on flat windows). */
export function finiteOrNull(value: number | null | undefined): number | null {
  return value !== undefined && value !== null && Number.isFinite(value) ? value : null;
}

/** The identity, passed as `format` so a global `setConfig('precision')` never rounds our values. */
export const unformatted = (value: number): number => value;

/**
 * Places a technicalindicators result, which leaves out the warm-up candles, at the candles it
 * belongs to. `offset` is the index of the first candle with a result; the library must have
 * returned exactly one result per candle from there, or the alignment rule no longer holds and we
 * refuse to guess.
 */
export function alignLibraryResult<T, Output extends string>(input: {
  /** The library class, for the error message. */
  library: string;
  candleCount: number;
  offset: number;
  results: readonly T[];
  /** How to read each output from one result. */
  outputs: OutputReaders<T, Output>;
}): Record<Output, (number | null)[]> {
  const { library, candleCount, offset, results, outputs } = input;
  const expected = Math.max(0, candleCount - offset);
  if (results.length !== expected) {
    throw new Error(
      `technicalindicators ${library} returned ${results.length} values for ${candleCount} candles, expected ${expected} (first at candle ${offset})`,
    );
  }
  const columns: Partial<Record<Output, (number | null)[]>> = {};
  for (const output of outputNames(outputs)) {
    const pick = outputs[output];
    const column = new Array<number | null>(candleCount).fill(null);
    for (let index = 0; index < results.length; index++) {
      // index < results.length: a result, not a hole
      column[offset + index] = finiteOrNull(pick(results[index] as T));
    }
    columns[output] = column;
  }
  return columns as Record<Output, (number | null)[]>;
}

/** How to read each output of an indicator from one library result, by output name. */
export type OutputReaders<Result, Output extends string = string> = Record<
  Output,
  (result: Result) => number | undefined
>;

/** The output names of a readers object: exactly its keys. */
function outputNames<Output extends string>(readers: Record<Output, unknown>): readonly Output[] {
  return Object.keys(readers) as Output[];
}

/** One candle's values read from a library result (null each while warming up). */
export function readOutputs<Result, Output extends string>(
  result: Result | undefined,
  readers: OutputReaders<Result, Output>,
): Record<Output, number | null> {
  const values: Partial<Record<Output, number | null>> = {};
  for (const output of outputNames(readers)) {
    values[output] = result === undefined ? null : finiteOrNull(readers[output](result));
  }
  return values as Record<Output, number | null>;
}

/** Bulk values of a hand-written indicator: its incremental state run over the series. */
export function runState(
  state: IndicatorState,
  series: CandleSeries,
  outputs: readonly Pick<IndicatorOutputDefinition, 'name'>[] = [{ name: 'value' }],
): IndicatorColumns {
  const length = series.candles.length;
  const columns: IndicatorColumns = {};
  const filled = outputs.map(({ name }) => {
    const column = new Array<number | null>(length);
    columns[name] = column;
    return { name, column };
  });
  let index = 0;
  for (const candle of series.candles) {
    const values = state.next(candle);
    for (const { name, column } of filled) {
      const value = values[name];
      if (value === undefined) {
        throw new Error(`Indicator state gave no "${name}" for the candle at ${candle.openTime}`);
      }
      column[index] = value;
    }
    index++;
  }
  return columns;
}

/** Every output warms up over the same number of candles. */
export function sameWarmup(
  outputs: readonly IndicatorOutputDefinition[],
  candles: number,
): Record<string, number> {
  return Object.fromEntries(outputs.map((output) => [output.name, candles]));
}

/** A whole number of candles (or values), 2..1000 unless `min` says otherwise. */
export function periodParam(
  defaultValue: number,
  options: { name?: string; description?: string; min?: number } = {},
): IndicatorParamDefinition {
  return {
    name: options.name ?? 'period',
    description: options.description ?? 'candles in the window',
    type: 'integer',
    default: defaultValue,
    min: options.min ?? 2,
    max: 1000,
  };
}
