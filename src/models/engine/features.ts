import type { Candle } from '../../market-data/candle';
import type { OutputUnit } from '../../indicators/engine/indicator-definition';
import {
  computeIndicators,
  type IndicatorSeries,
} from '../../indicators/engine/indicator-computation';
import {
  createIndicatorSpec,
  indicatorWarmup,
  warmupCandles,
  type IndicatorSpec,
} from '../../indicators/engine/indicator-spec';
import { seedCandles } from '../../indicators/indicator-window';
import {
  DEFAULT_FEATURES,
  parseFeature,
  type BuiltinFeature,
  type FeatureName,
  type FeatureSpec,
} from './feature-spec';

/** Other markets' candles by base asset, each its own series oldest first (for `BTC/...` inputs). */
export type MarketCandles = ReadonlyMap<string, readonly Candle[]>;

/** A model's inputs: the chosen ones, and sentiment last where a series covers the candles. */
export function modelFeatures(
  chosen: readonly FeatureName[],
  sentiment: unknown | undefined,
): FeatureName[] {
  return sentiment === undefined ? [...chosen] : [...chosen, 'sentiment'];
}

/** Rolling window (candles) of the volume z-score and of the z-scored indicator outputs. */
const VOLUME_WINDOW = 48;
/** The indicator each built-in reads. */
const BUILTIN_INDICATOR = {
  rsi: createIndicatorSpec('rsi', [14]),
  macdHistogram: createIndicatorSpec('macd', [12, 26, 9]),
  bbPercentB: createIndicatorSpec('bb', [20, 2]),
  atrRatio: createIndicatorSpec('atr', [14]),
} satisfies Partial<Record<BuiltinFeature, IndicatorSpec>>;

/** The indicator a built-in reads, if it reads one. */
function builtinIndicator(name: BuiltinFeature): IndicatorSpec | undefined {
  const indicators: Partial<Record<BuiltinFeature, IndicatorSpec>> = BUILTIN_INDICATOR;
  return indicators[name];
}

/** Outputs whose unit has no scale of its own: they enter as a rolling z-score. */
function isZScored(unit: OutputUnit): boolean {
  return unit === 'volume' || unit === 'unbounded';
}

/** Leading candles without a value of one input. */
function warmupOf(spec: FeatureSpec): number {
  if (spec.kind === 'indicator') {
    const warmup = indicatorWarmup(spec.indicator)[spec.output] ?? 0;
    return warmup + (isZScored(spec.unit) ? VOLUME_WINDOW - 1 : 0);
  }
  switch (spec.name) {
    case 'logReturn':
      return 1;
    case 'volumeZScore':
      return VOLUME_WINDOW - 1;
    case 'highLowRange':
    case 'sentiment':
      return 0;
    case 'rsi':
    case 'macdHistogram':
    case 'bbPercentB':
    case 'atrRatio':
      return warmupCandles([BUILTIN_INDICATOR[spec.name]]);
  }
}

/** Candles one input needs before a row to give the value it has with the whole history. */
function seedOf(spec: FeatureSpec, intervalMs: number): number {
  if (spec.kind === 'indicator') {
    const seed = seedCandles([spec.indicator], intervalMs);
    return seed + (isZScored(spec.unit) ? VOLUME_WINDOW : 0);
  }
  const indicator = builtinIndicator(spec.name);
  return indicator ? seedCandles([indicator], intervalMs) : warmupOf(spec) + 1;
}

/** Candles before the first feature row with every value (the longest warm-up of the inputs). */
export function featureWarmupCandles(features: readonly FeatureName[] = DEFAULT_FEATURES): number {
  return Math.max(0, ...features.map((feature) => warmupOf(parseFeature(feature))));
}

/**
 * Candles a feature row needs before it (warm-up and indicator seed, see `seedCandles`), so rows
 * computed from this much history equal rows computed from the whole history: what the live
 * path loads for its window. It depends on the inputs: an EMA of 50 candles needs 1,549.
 */
export function featureSeedCandles(features: readonly FeatureName[], intervalMs: number): number {
  return Math.max(0, ...features.map((feature) => seedOf(parseFeature(feature), intervalMs)));
}

/**
 * One column per input, aligned with `candles`; null where a value cannot be computed yet. Every
 * value at candle i reads candles 0..i only: the model's own, and for `<BASE>/...` inputs the
 * other market's candles opening at or before candle i's open (null where that market has no
 * candle at that time). `sentiment` (0-100, already aligned without look-ahead) is scaled to
 * [-0.5, 0.5].
 */
export function computeFeatures(params: {
  candles: readonly Candle[];
  features: readonly FeatureName[];
  sentiment?: readonly (number | null)[];
  markets?: MarketCandles;
}): Record<FeatureName, (number | null)[]> {
  const byMarket = new Map<string | undefined, FeatureSpec[]>();
  for (const feature of params.features) {
    const spec = parseFeature(feature);
    byMarket.set(spec.market, [...(byMarket.get(spec.market) ?? []), spec]);
  }
  const columns: Record<FeatureName, (number | null)[]> = {};
  for (const [market, specs] of byMarket) {
    const candles = market === undefined ? params.candles : params.markets?.get(market);
    if (candles === undefined) {
      throw new Error(`The inputs ${specs.map((s) => s.key).join(', ')} need ${market}'s candles`);
    }
    for (const { key, column } of marketColumns({ candles, specs, sentiment: params.sentiment })) {
      columns[key] =
        market === undefined ? column : alignByOpenTime(params.candles, candles, column);
    }
  }
  return columns;
}

/** The inputs of one market's candles, computed on that market's own series, in `specs` order. */
function marketColumns(params: {
  candles: readonly Candle[];
  specs: readonly FeatureSpec[];
  sentiment?: readonly (number | null)[];
}): { key: FeatureName; column: (number | null)[] }[] {
  const { candles, specs } = params;
  const indicatorSpecs = new Map<string, IndicatorSpec>();
  for (const spec of specs) {
    if (spec.kind === 'indicator') {
      indicatorSpecs.set(spec.indicator.key, spec.indicator);
    }
  }
  const computed = computeIndicators(candles, [...indicatorSpecs.values()]);
  let builtins: BuiltinIndicatorColumns | undefined;
  const builtinIndicators = () => (builtins ??= builtinIndicatorColumns(candles));
  return specs.map((spec) => ({
    key: spec.key,
    column:
      spec.kind === 'builtin'
        ? builtinColumn(spec.name, candles, builtinIndicators, params.sentiment)
        : stationary(outputColumn(computed, spec.indicator, spec.output), spec.unit, candles),
  }));
}

/** The `output` column of `spec` among computed indicators. */
function outputColumn(
  computed: readonly IndicatorSeries[],
  spec: IndicatorSpec,
  output: string,
): (number | null)[] {
  const column = computed.find((series) => series.spec.key === spec.key)?.columns[output];
  if (column === undefined) {
    throw new Error(`No ${output} output was computed for ${spec.key}`);
  }
  return column;
}

/** The indicator outputs the built-ins read. */
interface BuiltinIndicatorColumns {
  rsi: (number | null)[];
  macdHistogram: (number | null)[];
  bbPercentB: (number | null)[];
  atr: (number | null)[];
}

function builtinIndicatorColumns(candles: readonly Candle[]): BuiltinIndicatorColumns {
  const { rsi, macdHistogram, bbPercentB, atrRatio } = BUILTIN_INDICATOR;
  const computed = computeIndicators(candles, [rsi, macdHistogram, bbPercentB, atrRatio]);
  return {
    rsi: outputColumn(computed, rsi, 'value'),
    macdHistogram: outputColumn(computed, macdHistogram, 'histogram'),
    bbPercentB: outputColumn(computed, bbPercentB, 'percentB'),
    atr: outputColumn(computed, atrRatio, 'value'),
  };
}

/**
 * A built-in input; these formulas are those of every model trained so far, kept as they are.
 * `indicators` computes the indicator outputs on first use, so inputs without one do not pay for
 * them. Indicator columns are as long as the candles.
 */
function builtinColumn(
  name: BuiltinFeature,
  candles: readonly Candle[],
  indicators: () => BuiltinIndicatorColumns,
  sentiment: readonly (number | null)[] | undefined,
): (number | null)[] {
  switch (name) {
    case 'logReturn': {
      let previous: Candle | undefined;
      return candles.map((candle) => {
        const value = previous ? Math.log(candle.close / previous.close) : null;
        previous = candle;
        return value;
      });
    }
    case 'highLowRange':
      return candles.map((candle) => (candle.high - candle.low) / candle.close);
    case 'volumeZScore':
      return candles.map((_, i) =>
        i + 1 >= VOLUME_WINDOW ? volumeZScore(candles, i, VOLUME_WINDOW) : null,
      );
    case 'rsi': {
      const { rsi } = indicators();
      return candles.map((_, i) => scaled(rsi[i], (value) => value / 100 - 0.5));
    }
    case 'macdHistogram': {
      const { macdHistogram } = indicators();
      return candles.map((candle, i) => scaled(macdHistogram[i], (value) => value / candle.close));
    }
    case 'bbPercentB': {
      const { bbPercentB } = indicators();
      return candles.map((_, i) => bbPercentB[i] ?? null);
    }
    case 'atrRatio': {
      const { atr } = indicators();
      return candles.map((candle, i) => scaled(atr[i], (value) => value / candle.close));
    }
    case 'sentiment':
      return candles.map((_, i) => scaled(sentiment?.[i], (value) => value / 100 - 0.5));
  }
}

function scaled(
  value: number | null | undefined,
  transform: (value: number) => number,
): number | null {
  return value === null || value === undefined ? null : transform(value);
}

/**
 * An indicator output made stationary by its unit (see `OutputUnit`): price levels relative to
 * the close, price differences over the close, bounded oscillators to about [-0.5, 0.5], ratios
 * as they are, and outputs without a scale of their own as a rolling z-score.
 */
function stationary(
  values: readonly (number | null)[],
  unit: OutputUnit,
  candles: readonly Candle[],
): (number | null)[] {
  switch (unit) {
    case 'price':
      return values.map((value, i) => scaled(value, (v) => v / candles[i]!.close - 1));
    case 'priceChange':
      return values.map((value, i) => scaled(value, (v) => v / candles[i]!.close));
    case 'percent':
      return values.map((value) => scaled(value, (v) => v / 100 - 0.5));
    case 'negativePercent':
      return values.map((value) => scaled(value, (v) => v / 100 + 0.5));
    case 'fraction':
    case 'flag':
      return values.map((value) => scaled(value, (v) => v - 0.5));
    case 'ratio':
      return [...values];
    case 'volume':
    case 'unbounded':
      return values.map((_, i) => rollingZScore(values, i, VOLUME_WINDOW));
  }
}

/**
 * How unusual value `end` is against the `window` values ending with it (0 on a flat window,
 * null while any of them is missing). Mean first, then the deviations: values such as OBV are
 * large next to their changes, where sum-of-squares arithmetic would cancel.
 */
function rollingZScore(
  values: readonly (number | null)[],
  end: number,
  window: number,
): number | null {
  if (end + 1 < window) {
    return null;
  }
  let sum = 0;
  for (let i = end - window + 1; i <= end; i++) {
    const value = values[i];
    if (value === null || value === undefined) {
      return null;
    }
    sum += value;
  }
  const mean = sum / window;
  let squares = 0;
  for (let i = end - window + 1; i <= end; i++) {
    squares += (values[i]! - mean) ** 2;
  }
  const std = Math.sqrt(squares / window);
  return std > 0 ? (values[end]! - mean) / std : 0;
}

/**
 * Another market's column placed at the model's candles by open time: the value of the other
 * market's candle that opens when the model's candle opens (computed from that market's candles up
 * to it), null where it has none.
 */
function alignByOpenTime(
  candles: readonly Candle[],
  otherCandles: readonly Candle[],
  otherColumn: readonly (number | null)[],
): (number | null)[] {
  const indexByOpenTime = new Map(otherCandles.map((candle, i) => [candle.openTime, i]));
  return candles.map((candle) => {
    const index = indexByOpenTime.get(candle.openTime);
    return index === undefined ? null : (otherColumn[index] ?? null);
  });
}

/** How unusual candle `end`'s volume is against the `window` candles ending with it (0 on a flat window). */
export function volumeZScore(candles: readonly Candle[], end: number, window: number): number {
  let sum = 0;
  let squares = 0;
  for (let i = end - window + 1; i <= end; i++) {
    const volume = candles[i]!.volume;
    sum += volume;
    squares += volume * volume;
  }
  const mean = sum / window;
  const variance = Math.max(0, squares / window - mean * mean);
  const std = Math.sqrt(variance);
  return std > 0 ? (candles[end]!.volume - mean) / std : 0;
}
