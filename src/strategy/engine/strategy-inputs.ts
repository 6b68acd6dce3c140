import type { Candle } from '../../market-data/candle';
import { computeIndicators } from '../../indicators/engine/indicator-computation';
import { createIndicatorSpec, parseIndicatorList } from '../../indicators/engine/indicator-spec';
import { volumeZScore } from '../../models/engine/features';
import type { StrategyDefinition, StrategyInput } from './strategy-definition';

/** A model prediction as strategies see it. */
export interface PredictionInput {
  /** Open time of the candle it was made at. */
  openTime: number;
  predictedReturn: number;
  probabilityUp: number;
  /** When the model that made it was trained (for `maxModelAgeMs`). */
  trainedAt?: number | null;
}

/** One column per input and period key (`priceVsEma:50`), aligned with the candles. */
export type InputColumns = Map<string, (number | null)[]>;

export function inputKey(input: StrategyInput, period?: number): string {
  return input === 'priceVsEma' || input === 'priceVsSma' ? `${input}:${period ?? 50}` : input;
}

const VOLUME_WINDOW = 20;

/**
 * The columns a strategy's rules read, computed from candles i and earlier only (and the
 * prediction made at candle i, and sentiment known at its close). Each value is null where it
 * cannot be known yet.
 */
export function computeStrategyInputs(params: {
  definition: StrategyDefinition;
  candles: readonly Candle[];
  predictions?: ReadonlyMap<number, PredictionInput>;
  sentiment?: readonly (number | null)[];
}): InputColumns {
  const { candles, definition } = params;
  const count = candles.length;
  const columns: InputColumns = new Map();
  const wanted = new Map<string, { input: StrategyInput; period?: number }>();
  for (const rule of definition.rules) {
    wanted.set(inputKey(rule.input, rule.period), { input: rule.input, period: rule.period });
  }
  const needs = (...inputs: StrategyInput[]) =>
    [...wanted.values()].some((w) => inputs.includes(w.input));
  const [rsi, macd, bb, atr] = needs(
    'rsi',
    'macdHistogram',
    'macdHistogramChange',
    'bbPercentB',
    'atrRatio',
  )
    ? computeIndicators(candles, parseIndicatorList('rsi:14,macd:12,26,9,bb:20,2,atr:14'))
    : [];
  for (const [key, { input, period }] of wanted) {
    const column = new Array<number | null>(count).fill(null);
    switch (input) {
      case 'predictedReturn':
      case 'probabilityUp':
        candles.forEach((candle, i) => {
          const prediction = params.predictions?.get(candle.openTime);
          const maxAge = definition.guards.maxModelAgeMs;
          const stale =
            maxAge !== undefined &&
            (prediction?.trainedAt ?? Number.NEGATIVE_INFINITY) < candle.openTime - maxAge;
          column[i] = prediction && !stale ? prediction[input] : null;
        });
        break;
      case 'rsi':
        rsi!.columns.value!.forEach((v, i) => (column[i] = v));
        break;
      case 'macdHistogram':
        macd!.columns.histogram!.forEach((v, i) => (column[i] = v));
        break;
      case 'macdHistogramChange': {
        const histogram = macd!.columns.histogram!;
        for (let i = 1; i < count; i++) {
          const now = histogram[i];
          const before = histogram[i - 1];
          column[i] =
            now === null || now === undefined || before === null || before === undefined
              ? null
              : now - before;
        }
        break;
      }
      case 'priceVsEma':
      case 'priceVsSma': {
        const spec = createIndicatorSpec(input === 'priceVsEma' ? 'ema' : 'sma', [period ?? 50]);
        const [average] = computeIndicators(candles, [spec]);
        average!.columns.value!.forEach(
          (v, i) => (column[i] = v === null || v === undefined ? null : candles[i]!.close / v - 1),
        );
        break;
      }
      case 'bbPercentB':
        bb!.columns.percentB!.forEach((v, i) => (column[i] = v));
        break;
      case 'atrRatio':
        atr!.columns.value!.forEach(
          (v, i) => (column[i] = v === null || v === undefined ? null : v / candles[i]!.close),
        );
        break;
      case 'volumeZScore':
        for (let i = VOLUME_WINDOW - 1; i < count; i++) {
          column[i] = volumeZScore(candles, i, VOLUME_WINDOW);
        }
        break;
      case 'sentiment':
        params.sentiment?.forEach((v, i) => (column[i] = v));
        break;
      case 'sentimentChange':
        for (let i = 1; i < count; i++) {
          const now = params.sentiment?.[i];
          const before = params.sentiment?.[i - 1];
          column[i] =
            now === null || now === undefined || before === null || before === undefined
              ? null
              : now - before;
        }
        break;
    }
    columns.set(key, column);
  }
  return columns;
}
