import type { Candle } from '../../market-data/candle';
import { baselineForecast, EMPIRICAL_WINDOW, rollingBaselineForecasts } from './baseline-forecast';
import { dieboldMariano } from './diebold-mariano';
import { metricsOf, type Metrics } from './evaluation';
import {
  horizonReturn,
  LOWER_QUANTILE,
  modelForecast,
  pointsAt,
  UPPER_QUANTILE,
  volatilitySeries,
  type ForecastCalibration,
  type HorizonForecast,
  type PointPrediction,
} from './forecast-calibration';
import { normalQuantile } from './probability-distributions';
import {
  brierScore,
  intervalCoverage,
  logLoss,
  pinballLoss,
  reliabilityTable,
} from './scoring-rules';

/**
 * Forecasts scored: a calibrated model's on its test predictions, next to the baselines on the
 * same candles, and the baseline's own recent track record.
 */

interface BandScore {
  /** Share of realised returns inside [lower, upper] (nominal 0.8). */
  coverage: number;
  /** Mean width of the interval, in log return. */
  meanWidth: number;
  pinballLower: number;
  pinballMedian: number;
  pinballUpper: number;
}

interface ProbabilityScore {
  brier: number;
  logLoss: number;
  reliability: ReturnType<typeof reliabilityTable>;
}

export interface SignificanceResult {
  statistic: number;
  pValue: number;
  /** Mean of |model error| - |other error|: negative when the model is better. */
  meanLossDifference: number;
  count: number;
}

export interface HorizonScore {
  horizon: number;
  count: number;
  shrinkage: number;
  point: {
    model: Metrics;
    persistence: Metrics;
    drift: Metrics;
    /** Diebold-Mariano, absolute close errors, Newey-West variance (h - 1 lags), two-sided. */
    versusPersistence: SignificanceResult;
  };
  band: { model: BandScore; empirical: BandScore; ewma: BandScore };
  probabilityUp: {
    model: ProbabilityScore;
    baseRate: ProbabilityScore & { rate: number };
  };
}

/**
 * A Diebold-Mariano comparison of two sets of close errors on the same candles. When the test
 * cannot be run (identical forecasts, a constant loss difference, fewer candles than the
 * horizon) the result says "no difference shown": statistic 0, p-value 1.
 */
export function significance(
  modelErrors: readonly number[],
  otherErrors: readonly number[],
  horizon: number,
): SignificanceResult {
  const count = modelErrors.length;
  const meanLossDifference =
    modelErrors.reduce((a, e, i) => a + Math.abs(e) - Math.abs(otherErrors[i] ?? 0), 0) /
    Math.max(1, count);
  if (
    count <= horizon + 1 ||
    modelErrors.every((e, i) => Math.abs(e) === Math.abs(otherErrors[i] ?? 0))
  ) {
    return { statistic: 0, pValue: 1, meanLossDifference, count };
  }
  try {
    const result = dieboldMariano({
      errors1: modelErrors,
      errors2: otherErrors,
      horizon,
      power: 1,
      alternative: 'two.sided',
      varianceEstimator: 'bartlett',
    });
    return {
      statistic: result.statistic,
      pValue: result.pValue,
      meanLossDifference: result.meanLossDifference,
      count: result.count,
    };
  } catch (error) {
    if (error instanceof RangeError) {
      return { statistic: 0, pValue: 1, meanLossDifference, count };
    }
    throw error;
  }
}

function bandScore(actual: number[], forecasts: HorizonForecast[]): BandScore {
  const lower = forecasts.map((f) => f.lower);
  const upper = forecasts.map((f) => f.upper);
  const { coverage, meanWidth } = intervalCoverage(actual, lower, upper);
  return {
    coverage,
    meanWidth,
    pinballLower: pinballLoss(actual, lower, LOWER_QUANTILE),
    pinballMedian: pinballLoss(
      actual,
      forecasts.map((f) => f.median),
      0.5,
    ),
    pinballUpper: pinballLoss(actual, upper, UPPER_QUANTILE),
  };
}

function probabilityScore(probabilities: number[], outcomes: (0 | 1)[]): ProbabilityScore {
  return {
    brier: brierScore(probabilities, outcomes),
    logLoss: logLoss(probabilities, outcomes),
    reliability: reliabilityTable(probabilities, outcomes, 10),
  };
}

/**
 * Every horizon of a calibrated model scored on test predictions, next to the baselines on the
 * same candles: persistence and drift for the point, the rolling empirical quantiles and the EWMA
 * band for the interval, the training base rate for P(up).
 */
export function scoreForecasts(params: {
  candles: readonly Candle[];
  intervalMs: number;
  volatility: Float64Array;
  calibration: ForecastCalibration;
  test: readonly PointPrediction[];
  /** Candle indices whose h-candle returns are training data (drift, base rate). */
  trainEnds: readonly number[];
}): HorizonScore[] {
  const { candles, intervalMs, volatility } = params;
  const z = normalQuantile(UPPER_QUANTILE);
  return params.calibration.horizons.map((calibration) => {
    const { horizon } = calibration;
    const trainReturns = params.trainEnds
      .map((end) => horizonReturn(candles, intervalMs, end, horizon))
      .filter((value): value is number => value !== null);
    const drift = trainReturns.reduce((a, b) => a + b, 0) / Math.max(1, trainReturns.length);
    const rate =
      trainReturns.filter((value) => value > 0).length / Math.max(1, trainReturns.length);
    const rows = pointsAt({ candles, intervalMs, volatility, points: params.test, horizon })
      .map((point) => {
        const baseline = baselineForecast({
          candles,
          intervalMs,
          volatility,
          end: point.end,
          horizon,
        });
        return baseline ? { point, baseline } : undefined;
      })
      .filter((row) => row !== undefined);
    const actual = rows.map((row) => row.point.actual);
    const samples = rows.map(({ point }) => {
      const close = candles[point.end]!.close;
      return { close, targetClose: close * Math.exp(point.actual), target: point.actual };
    });
    const forecasts = rows.map(({ point }) =>
      modelForecast(calibration, point.predicted, point.scale / Math.sqrt(horizon)),
    );
    const ewma = rows.map(({ point }) => ({
      horizon,
      predictedReturn: 0,
      median: 0,
      lower: -z * point.scale,
      upper: z * point.scale,
      volatility: point.scale,
      probabilityUp: 0.5,
    }));
    const predicted = forecasts.map((f) => f.predictedReturn);
    const closeErrors = (returns: readonly number[]) =>
      samples.map((sample, i) => sample.close * Math.exp(returns[i] ?? 0) - sample.targetClose);
    const outcomes = actual.map((value): 0 | 1 => (value > 0 ? 1 : 0));
    return {
      horizon,
      count: rows.length,
      shrinkage: calibration.shrinkage,
      point: {
        model: metricsOf(samples, predicted),
        persistence: metricsOf(
          samples,
          predicted.map(() => 0),
        ),
        drift: metricsOf(
          samples,
          predicted.map(() => drift),
        ),
        versusPersistence: significance(
          closeErrors(predicted),
          closeErrors(predicted.map(() => 0)),
          horizon,
        ),
      },
      band: {
        model: bandScore(actual, forecasts),
        empirical: bandScore(
          actual,
          rows.map((row) => row.baseline),
        ),
        ewma: bandScore(actual, ewma),
      },
      probabilityUp: {
        model: probabilityScore(
          forecasts.map((f) => f.probabilityUp),
          outcomes,
        ),
        baseRate: {
          rate,
          ...probabilityScore(
            outcomes.map(() => rate),
            outcomes,
          ),
        },
      },
    };
  });
}

/** How the baseline forecast did on its own recent forecasts. */
export interface BaselineTrackRecord {
  horizon: number;
  /** Forecasts scored: made at the last `window` candles whose h-candle outcome is known. */
  count: number;
  /** MAE of the point (persistence) in price. */
  mae: number;
  /** Share of outcomes inside its 10%-90% band, and inside the EWMA band of the same level. */
  coverage: number;
  ewmaCoverage: number;
  /** Brier score of its P(up), and of the base rate of the returns before the first scored one. */
  brier: number;
  baseRateBrier: number;
}

/**
 * The baseline scored on its last `window` forecasts whose outcome is known, each made from the
 * candles before it only (rolling, out of sample): what `/predict` shows as the baseline's record.
 */
export function baselineTrackRecord(params: {
  candles: readonly Candle[];
  intervalMs: number;
  horizons: readonly number[];
  window?: number;
}): BaselineTrackRecord[] {
  const { candles, intervalMs } = params;
  const window = params.window ?? EMPIRICAL_WINDOW;
  const volatility = volatilitySeries(candles);
  const z = normalQuantile(UPPER_QUANTILE);
  return params.horizons.map((horizon) => {
    const last = candles.length - 1 - horizon;
    const first = Math.max(0, last - window + 1);
    const actual: number[] = [];
    const forecasts: HorizonForecast[] = [];
    const ewma: HorizonForecast[] = [];
    const samples: { close: number; targetClose: number; target: number }[] = [];
    const rolling = rollingBaselineForecasts({
      candles,
      intervalMs,
      volatility,
      horizon,
      first,
      last,
    });
    for (let end = first; end <= last; end++) {
      const outcome = horizonReturn(candles, intervalMs, end, horizon);
      const forecast = rolling[end - first];
      if (outcome === null || !forecast) {
        continue;
      }
      const close = candles[end]!.close;
      actual.push(outcome);
      forecasts.push(forecast);
      ewma.push({ ...forecast, lower: -z * forecast.volatility, upper: z * forecast.volatility });
      samples.push({ close, targetClose: close * Math.exp(outcome), target: outcome });
    }
    const before: number[] = [];
    for (let end = Math.max(0, first - window); end <= first - horizon; end++) {
      const value = horizonReturn(candles, intervalMs, end, horizon);
      if (value !== null) {
        before.push(value);
      }
    }
    const outcomes = actual.map((value): 0 | 1 => (value > 0 ? 1 : 0));
    const rate = before.length ? before.filter((value) => value > 0).length / before.length : 0.5;
    return {
      horizon,
      count: actual.length,
      mae: actual.length
        ? metricsOf(
            samples,
            samples.map(() => 0),
          ).mae
        : Number.NaN,
      coverage: actual.length ? bandScore(actual, forecasts).coverage : Number.NaN,
      ewmaCoverage: actual.length ? bandScore(actual, ewma).coverage : Number.NaN,
      brier: actual.length
        ? brierScore(
            forecasts.map((f) => f.probabilityUp),
            outcomes,
          )
        : Number.NaN,
      baseRateBrier: actual.length
        ? brierScore(
            outcomes.map(() => rate),
            outcomes,
          )
        : Number.NaN,
    };
  });
}
