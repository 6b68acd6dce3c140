import type { Candle } from '../../market-data/candle';
import { computeIndicators } from '../../indicators/engine/indicator-computation';
import { createIndicatorSpec, type IndicatorSpec } from '../../indicators/engine/indicator-spec';
import { volumeZScore } from '../../models/engine/features';
import { volatilitySeries } from '../../models/engine/forecast-calibration';
import type { StrategyDefinition, StrategyInput } from './strategy-definition';

/** A model prediction as strategies see it. */
export interface PredictionInput {
  /** Open time of the candle it was made at. */
  openTime: number;
  /** Point forecast of the log return (shrunk toward persistence). */
  predictedReturn: number;
  probabilityUp: number;
  /**
   * Predicted standard deviation of the one-candle log return (the forecast's at its shortest
   * horizon). Walk-forward predictions have none: strategies then read the EWMA
   * volatility of the candles, which is what the forecast's spread is built on.
   */
  volatility?: number | null;
  /** When the model that made it was trained (for `maxModelAgeMs`). */
  trainedAt?: number | null;
}

/** Fee and slippage per fill, as fractions. */
export interface TradingCosts {
  feeRate: number;
  slippage: number;
}

/** One column per input and period key (`priceVsEma:50`), aligned with the candles. */
export type InputColumns = Map<string, (number | null)[]>;

export function inputKey(input: StrategyInput, period?: number): string {
  return input === 'priceVsEma' || input === 'priceVsSma' ? `${input}:${period ?? 50}` : input;
}

const VOLUME_WINDOW = 20;

/** The indicator an input is read from, if any. */
function indicatorOf(input: StrategyInput, period?: number): IndicatorSpec | undefined {
  switch (input) {
    case 'rsi':
      return createIndicatorSpec('rsi', [14]);
    case 'macdHistogram':
    case 'macdHistogramChange':
      return createIndicatorSpec('macd', [12, 26, 9]);
    case 'bbPercentB':
      return createIndicatorSpec('bb', [20, 2]);
    case 'atrRatio':
      return createIndicatorSpec('atr', [14]);
    case 'priceVsEma':
      return createIndicatorSpec('ema', [period ?? 50]);
    case 'priceVsSma':
      return createIndicatorSpec('sma', [period ?? 50]);
    case 'predictedReturn':
    case 'probabilityUp':
    case 'expectedEdge':
    case 'predictedVolatility':
    case 'volumeZScore':
    case 'sentiment':
    case 'sentimentChange':
      return undefined;
  }
}

/** The prediction made at a candle, unless the strategy's `maxModelAgeMs` finds its model too old. */
function freshPrediction(
  definition: StrategyDefinition,
  predictions: ReadonlyMap<number, PredictionInput> | undefined,
  openTime: number,
): PredictionInput | undefined {
  const prediction = predictions?.get(openTime);
  const maxAge = definition.guards.maxModelAgeMs;
  const stale =
    maxAge !== undefined && (prediction?.trainedAt ?? Number.NEGATIVE_INFINITY) < openTime - maxAge;
  return stale ? undefined : prediction;
}

/**
 * Predicted volatility of the one-candle log return at each candle's close: the fresh
 * prediction's where it has one, else the EWMA volatility (lambda 0.94) of the one-candle log
 * returns up to that close (null during its warm-up). The `predictedVolatility` input and
 * volatility sizing both read this.
 */
export function predictedVolatilities(params: {
  definition: StrategyDefinition;
  candles: readonly Candle[];
  predictions?: ReadonlyMap<number, PredictionInput>;
}): (number | null)[] {
  const ewma = volatilitySeries(params.candles);
  return params.candles.map((candle, i) => {
    const predicted = freshPrediction(
      params.definition,
      params.predictions,
      candle.openTime,
    )?.volatility;
    if (predicted !== undefined && predicted !== null && predicted > 0) {
      return predicted;
    }
    const sigma = ewma[i] ?? Number.NaN;
    return sigma > 0 ? sigma : null;
  });
}

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
  /** Costs `expectedEdge` subtracts: a backtest's own; live, the strategy's `costs`. */
  costs?: TradingCosts;
}): InputColumns {
  const { candles, definition } = params;
  const costs = params.costs ?? definition.costs;
  const count = candles.length;
  const columns: InputColumns = new Map();
  const wanted = new Map<string, { input: StrategyInput; indicator?: IndicatorSpec }>();
  for (const rule of definition.rules) {
    wanted.set(inputKey(rule.input, rule.period), {
      input: rule.input,
      indicator: indicatorOf(rule.input, rule.period),
    });
  }
  // Only the indicators some rule reads, all computed in one pass over the candles.
  const specs = new Map<string, IndicatorSpec>();
  for (const { indicator } of wanted.values()) {
    if (indicator) {
      specs.set(indicator.key, indicator);
    }
  }
  const computed = new Map(
    (specs.size > 0 ? computeIndicators(candles, [...specs.values()]) : []).map((series) => [
      series.spec.key,
      series,
    ]),
  );
  for (const [key, { input, indicator }] of wanted) {
    const column = (output: string) => computed.get(indicator!.key)!.columns[output]!;
    const values = new Array<number | null>(count).fill(null);
    switch (input) {
      case 'predictedReturn':
      case 'probabilityUp':
        candles.forEach((candle, i) => {
          const prediction = freshPrediction(definition, params.predictions, candle.openTime);
          values[i] = prediction ? prediction[input] : null;
        });
        break;
      case 'expectedEdge': {
        // A long trade pays the fee and the slippage on both fills.
        const roundTrip = 2 * costs.feeRate + 2 * costs.slippage;
        candles.forEach((candle, i) => {
          const prediction = freshPrediction(definition, params.predictions, candle.openTime);
          values[i] = prediction ? prediction.predictedReturn - roundTrip : null;
        });
        break;
      }
      case 'predictedVolatility':
        predictedVolatilities({ definition, candles, predictions: params.predictions }).forEach(
          (v, i) => (values[i] = v),
        );
        break;
      case 'rsi':
        column('value').forEach((v, i) => (values[i] = v));
        break;
      case 'macdHistogram':
        column('histogram').forEach((v, i) => (values[i] = v));
        break;
      case 'macdHistogramChange': {
        const histogram = column('histogram');
        for (let i = 1; i < count; i++) {
          const now = histogram[i];
          const before = histogram[i - 1];
          values[i] =
            now === null || now === undefined || before === null || before === undefined
              ? null
              : now - before;
        }
        break;
      }
      case 'priceVsEma':
      case 'priceVsSma':
        column('value').forEach(
          (v, i) => (values[i] = v === null || v === undefined ? null : candles[i]!.close / v - 1),
        );
        break;
      case 'bbPercentB':
        column('percentB').forEach((v, i) => (values[i] = v));
        break;
      case 'atrRatio':
        column('value').forEach(
          (v, i) => (values[i] = v === null || v === undefined ? null : v / candles[i]!.close),
        );
        break;
      case 'volumeZScore':
        for (let i = VOLUME_WINDOW - 1; i < count; i++) {
          values[i] = volumeZScore(candles, i, VOLUME_WINDOW);
        }
        break;
      case 'sentiment':
        params.sentiment?.forEach((v, i) => (values[i] = v));
        break;
      case 'sentimentChange':
        for (let i = 1; i < count; i++) {
          const now = params.sentiment?.[i];
          const before = params.sentiment?.[i - 1];
          values[i] =
            now === null || now === undefined || before === null || before === undefined
              ? null
              : now - before;
        }
        break;
    }
    columns.set(key, values);
  }
  return columns;
}
