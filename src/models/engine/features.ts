import type { Candle } from '../../market-data/candle';
import { computeIndicators } from '../../indicators/engine/indicator-computation';
import {
  parseIndicatorList,
  warmupCandles,
  type IndicatorSpec,
} from '../../indicators/engine/indicator-spec';
import { seedCandles } from '../../indicators/indicator-window';

/** Every input a model can use, one value per candle, computed from that candle and earlier ones only. */
export const FEATURES = [
  'logReturn',
  'highLowRange',
  'volumeZScore',
  'rsi',
  'macdHistogram',
  'bbPercentB',
  'atrRatio',
  'sentiment',
] as const;
export type FeatureName = (typeof FEATURES)[number];

/** The inputs a training request may choose from (sentiment joins by itself where a series covers the candles). */
export const SELECTABLE_FEATURES = FEATURES.filter(
  (feature): feature is Exclude<FeatureName, 'sentiment'> => feature !== 'sentiment',
);

export const DEFAULT_FEATURES: readonly FeatureName[] = [
  'logReturn',
  'highLowRange',
  'volumeZScore',
  'rsi',
  'macdHistogram',
  'bbPercentB',
  'atrRatio',
];

/** A model's inputs: the chosen ones, and sentiment last where a series covers the candles. */
export function modelFeatures(
  chosen: readonly FeatureName[],
  sentiment: unknown | undefined,
): FeatureName[] {
  return sentiment === undefined ? [...chosen] : [...chosen, 'sentiment'];
}

/** Rolling window of the volume z-score (candles). */
const VOLUME_WINDOW = 48;
const INDICATORS: IndicatorSpec[] = parseIndicatorList('rsi:14,macd:12,26,9,bb:20,2,atr:14');

/** Candles before the first feature row with every value (the longest warm-up). */
export function featureWarmupCandles(): number {
  return Math.max(VOLUME_WINDOW, warmupCandles(INDICATORS) + 1);
}

/** Candles a feature row needs before it (warm-up and indicator seed), so live rows match training rows. */
export function featureSeedCandles(intervalMs: number): number {
  return Math.max(VOLUME_WINDOW, seedCandles(INDICATORS, intervalMs));
}

/**
 * One column per feature, aligned with the candles; null where a value cannot be computed yet.
 * `sentiment` (0-100, already aligned without look-ahead) is scaled to [-0.5, 0.5].
 */
export function computeFeatures(params: {
  candles: readonly Candle[];
  features: readonly FeatureName[];
  sentiment?: readonly (number | null)[];
}): Record<FeatureName, (number | null)[]> {
  const { candles } = params;
  const count = candles.length;
  const [rsi, macd, bb, atr] = computeIndicators(candles, INDICATORS);
  const columns = {} as Record<FeatureName, (number | null)[]>;
  for (const feature of params.features) {
    const column = new Array<number | null>(count).fill(null);
    for (let i = 0; i < count; i++) {
      const candle = candles[i]!;
      switch (feature) {
        case 'logReturn':
          column[i] = i > 0 ? Math.log(candle.close / candles[i - 1]!.close) : null;
          break;
        case 'highLowRange':
          column[i] = (candle.high - candle.low) / candle.close;
          break;
        case 'volumeZScore':
          column[i] = i + 1 >= VOLUME_WINDOW ? volumeZScore(candles, i, VOLUME_WINDOW) : null;
          break;
        case 'rsi': {
          const value = rsi!.columns.value![i] ?? null;
          column[i] = value === null ? null : value / 100 - 0.5;
          break;
        }
        case 'macdHistogram': {
          const value = macd!.columns.histogram![i] ?? null;
          column[i] = value === null ? null : value / candle.close;
          break;
        }
        case 'bbPercentB':
          column[i] = bb!.columns.percentB![i] ?? null;
          break;
        case 'atrRatio': {
          const value = atr!.columns.value![i] ?? null;
          column[i] = value === null ? null : value / candle.close;
          break;
        }
        case 'sentiment': {
          const value = params.sentiment?.[i] ?? null;
          column[i] = value === null ? null : value / 100 - 0.5;
          break;
        }
      }
    }
    columns[feature] = column;
  }
  return columns;
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
