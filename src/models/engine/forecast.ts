import type { Candle } from '../../market-data/candle';
import { metricsOf, type Metrics } from './evaluation';
import {
  brierScore,
  dieboldMariano,
  ewmaVolatility,
  intervalCoverage,
  logLoss,
  normalQuantile,
  pinballLoss,
  quantileType7,
  reliabilityTable,
} from './forecast-stats';

/**
 * Forecasts as distributions at several horizons, built on any point model:
 *
 * - the model predicts the log return at its own horizon (`f`); for each served horizon `h` the
 *   point forecast is `k_h * f`, where the shrinkage `k_h` (least squares of the realised h-candle
 *   return on `f`, less 1.96 Newey-West standard errors, clipped to [0, h]) is fitted on
 *   out-of-sample predictions inside the training data (walk-forward folds). A model without
 *   signal gets `k_h = 0` (or nearly) and forecasts persistence.
 * - the spread is the RiskMetrics EWMA volatility of one-candle returns (lambda 0.94) times
 *   sqrt(h), and the shape the empirical quantiles of the standardised residuals
 *   `z = (y - k_h f) / (sigma sqrt(h))` on the same fold predictions: quantiles, P(up) and the
 *   predicted volatility all come from that one distribution.
 * - the baseline, served when a market has no model that passed, is persistence (return 0) with
 *   the rolling empirical quantiles of the last `EMPIRICAL_WINDOW` h-candle returns, the EWMA
 *   volatility and the rolling share of up moves.
 */

export const EWMA_LAMBDA = 0.94;
/** The served band: the 10% and 90% quantiles (an 80% interval). */
export const LOWER_QUANTILE = 0.1;
export const UPPER_QUANTILE = 0.9;
/** h-candle returns the rolling empirical baseline reads. */
export const EMPIRICAL_WINDOW = 500;
/** Levels at which the standardised residuals' quantiles are stored: 0.01, 0.02, ..., 0.99. */
const GRID = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);
/** One-sided 97.5% normal quantile: the shrinkage is the fitted weight minus this many standard errors. */
const SHRINKAGE_Z = 1.959964;
/** Fewest out-of-sample predictions a calibration is fitted on. */
export const MIN_CALIBRATION_POINTS = 20;

export interface HorizonCalibration {
  horizon: number;
  /** Weight of the model's forecast against persistence (0 = persistence). */
  shrinkage: number;
  /** The least-squares weight before the confidence cut, and its Newey-West standard error. */
  fitted: number;
  standardError: number;
  /** Quantiles of the standardised residuals at 0.01 ... 0.99. */
  residualQuantiles: number[];
  /** Standard deviation of the standardised residuals. */
  residualStd: number;
  /** Out-of-sample predictions it was fitted on. */
  count: number;
}

export interface ForecastCalibration {
  lambda: number;
  /** Where the fitted predictions came from. */
  source: 'walk-forward' | 'validation';
  horizons: HorizonCalibration[];
}

export interface HorizonForecast {
  horizon: number;
  /** Point forecast of the log return (what MAE is measured on). */
  predictedReturn: number;
  /** Median, 10% and 90% quantiles of the log return. */
  median: number;
  lower: number;
  upper: number;
  /** Standard deviation of the log return over the horizon. */
  volatility: number;
  probabilityUp: number;
}

/** A model's out-of-sample prediction at candle index `end`. */
export interface PointPrediction {
  end: number;
  predicted: number;
}

/** EWMA volatility at each candle, from one-candle log returns up to and including it (NaN at 0). */
export function volatilitySeries(candles: readonly Candle[]): Float64Array {
  const returns: number[] = [];
  for (let i = 1; i < candles.length; i++) {
    returns.push(Math.log(candles[i]!.close / candles[i - 1]!.close));
  }
  const sigma = ewmaVolatility(returns, EWMA_LAMBDA);
  const out = new Float64Array(candles.length).fill(Number.NaN);
  sigma.forEach((value, i) => (out[i + 1] = value));
  return out;
}

/** ln(close[end + h] / close[end]) when no candle is missing in between, else null. */
export function horizonReturn(
  candles: readonly Candle[],
  intervalMs: number,
  end: number,
  horizon: number,
): number | null {
  const from = candles[end];
  const to = candles[end + horizon];
  if (!from || !to || to.openTime - from.openTime !== horizon * intervalMs) {
    return null;
  }
  return Math.log(to.close / from.close);
}

interface Point {
  end: number;
  predicted: number;
  actual: number;
  scale: number;
}

function pointsAt(params: {
  candles: readonly Candle[];
  intervalMs: number;
  volatility: Float64Array;
  points: readonly PointPrediction[];
  horizon: number;
}): Point[] {
  const out: Point[] = [];
  for (const point of params.points) {
    const actual = horizonReturn(params.candles, params.intervalMs, point.end, params.horizon);
    const sigma = params.volatility[point.end];
    if (actual === null || sigma === undefined || !(sigma > 0)) {
      continue;
    }
    out.push({ ...point, actual, scale: sigma * Math.sqrt(params.horizon) });
  }
  return out;
}

/**
 * The weight k of `actual ~ k * predicted` (least squares through the origin: persistence is
 * k = 0) and its Newey-West standard error with `horizon` Bartlett lags, since h-candle returns
 * at consecutive candles overlap (and fold predictions are in time order).
 */
export function leastSquaresThroughOrigin(
  points: readonly { predicted: number; actual: number }[],
  horizon: number,
): { fitted: number; standardError: number } {
  let cross = 0;
  let squares = 0;
  for (const point of points) {
    cross += point.predicted * point.actual;
    squares += point.predicted * point.predicted;
  }
  if (!(squares > 0)) {
    return { fitted: 0, standardError: 0 };
  }
  const fitted = cross / squares;
  const scores = points.map((point) => point.predicted * (point.actual - fitted * point.predicted));
  let variance = scores.reduce((a, g) => a + g * g, 0);
  for (let lag = 1; lag <= horizon; lag++) {
    let sum = 0;
    for (let t = lag; t < scores.length; t++) {
      sum += scores[t]! * scores[t - lag]!;
    }
    variance += 2 * (1 - lag / (horizon + 1)) * sum;
  }
  return { fitted, standardError: Math.sqrt(Math.max(0, variance)) / squares };
}

/** Shrinkage and residual distribution per horizon from out-of-sample predictions. */
export function fitCalibration(params: {
  candles: readonly Candle[];
  intervalMs: number;
  volatility: Float64Array;
  points: readonly PointPrediction[];
  horizons: readonly number[];
  source: ForecastCalibration['source'];
}): ForecastCalibration {
  const horizons = params.horizons.map((horizon): HorizonCalibration => {
    const points = pointsAt({ ...params, horizon });
    if (points.length < MIN_CALIBRATION_POINTS) {
      throw new RangeError(
        `Only ${points.length} out-of-sample predictions to calibrate horizon ${horizon}; at least ${MIN_CALIBRATION_POINTS} are needed`,
      );
    }
    const { fitted, standardError } = leastSquaresThroughOrigin(points, horizon);
    // The lower end of a one-sided 97.5% interval: the largest weight the folds support with
    // confidence, so a model without signal gets 0 (and one with a little, a little).
    const shrinkage = Math.min(horizon, Math.max(0, fitted - SHRINKAGE_Z * standardError));
    const residuals = points
      .map((point) => (point.actual - shrinkage * point.predicted) / point.scale)
      .sort((a, b) => a - b);
    const mean = residuals.reduce((a, b) => a + b, 0) / residuals.length;
    const variance = residuals.reduce((a, b) => a + (b - mean) ** 2, 0) / residuals.length;
    return {
      horizon,
      shrinkage,
      fitted,
      standardError,
      residualQuantiles: GRID.map((level) => quantileType7(residuals, level)),
      residualStd: Math.sqrt(variance),
      count: points.length,
    };
  });
  return { lambda: EWMA_LAMBDA, source: params.source, horizons };
}

/** The residual quantile at `level` (linear between the stored levels, flat beyond them). */
function residualQuantile(calibration: HorizonCalibration, level: number): number {
  const position = Math.min(GRID.length - 1, Math.max(0, level * 100 - 1));
  const below = Math.floor(position);
  const above = Math.min(GRID.length - 1, below + 1);
  const low = calibration.residualQuantiles[below]!;
  const high = calibration.residualQuantiles[above]!;
  return low + (high - low) * (position - below);
}

/** P(z <= x) of the standardised residuals (linear between stored quantiles, 0.5% / 99.5% beyond). */
function residualCdf(calibration: HorizonCalibration, x: number): number {
  const q = calibration.residualQuantiles;
  if (x < q[0]!) {
    return 0.005;
  }
  if (x >= q[q.length - 1]!) {
    return 0.995;
  }
  let i = 0;
  while (i < q.length - 2 && x >= q[i + 1]!) {
    i++;
  }
  const low = q[i]!;
  const high = q[i + 1]!;
  const fraction = high > low ? (x - low) / (high - low) : 0.5;
  return GRID[i]! + fraction * (GRID[i + 1]! - GRID[i]!);
}

/** The model's forecast distribution at one horizon, from its native prediction and the volatility now. */
export function modelForecast(
  calibration: HorizonCalibration,
  predicted: number,
  sigma: number,
): HorizonForecast {
  const scale = sigma * Math.sqrt(calibration.horizon);
  const point = calibration.shrinkage * predicted;
  return {
    horizon: calibration.horizon,
    predictedReturn: point,
    median: point + scale * residualQuantile(calibration, 0.5),
    lower: point + scale * residualQuantile(calibration, LOWER_QUANTILE),
    upper: point + scale * residualQuantile(calibration, UPPER_QUANTILE),
    volatility: scale * calibration.residualStd,
    probabilityUp: scale > 0 ? 1 - residualCdf(calibration, -point / scale) : 0.5,
  };
}

/**
 * The baseline at candle `end`: persistence, with the rolling empirical quantiles and share of up
 * moves of the last `window` h-candle returns and the EWMA volatility. Undefined with fewer than
 * 30 such returns.
 */
export function baselineForecast(params: {
  candles: readonly Candle[];
  intervalMs: number;
  volatility: Float64Array;
  end: number;
  horizon: number;
  window?: number;
}): HorizonForecast | undefined {
  const { candles, end, horizon } = params;
  const window = params.window ?? EMPIRICAL_WINDOW;
  const past: number[] = [];
  for (let j = Math.max(horizon, end - window + 1); j <= end; j++) {
    const value = horizonReturn(candles, params.intervalMs, j - horizon, horizon);
    if (value !== null) {
      past.push(value);
    }
  }
  const sigma = params.volatility[end];
  if (past.length < 30 || sigma === undefined || !(sigma > 0)) {
    return undefined;
  }
  past.sort((a, b) => a - b);
  return {
    horizon,
    predictedReturn: 0,
    median: quantileType7(past, 0.5),
    lower: quantileType7(past, LOWER_QUANTILE),
    upper: quantileType7(past, UPPER_QUANTILE),
    volatility: sigma * Math.sqrt(horizon),
    probabilityUp: past.filter((value) => value > 0).length / past.length,
  };
}

/** A sorted multiset of numbers with insert and remove in O(log n + n) (a memmove), for rolling quantiles. */
class SortedWindow {
  readonly values: number[] = [];
  positives = 0;

  private lowerBound(value: number): number {
    let low = 0;
    let high = this.values.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.values[mid]! < value) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  insert(value: number): void {
    this.values.splice(this.lowerBound(value), 0, value);
    if (value > 0) {
      this.positives++;
    }
  }

  remove(value: number): void {
    const at = this.lowerBound(value);
    if (this.values[at] !== value) {
      throw new Error(`SortedWindow: ${value} is not in the window`);
    }
    this.values.splice(at, 1);
    if (value > 0) {
      this.positives--;
    }
  }
}

/**
 * `baselineForecast` at every candle `end` from `first` to `last`, equal to calling it at each one,
 * from one rolling sorted window of returns (one insert and one remove per candle instead of a
 * sort of the whole window): what the baseline's track record needs for hundreds of markets at
 * every close.
 */
export function rollingBaselineForecasts(params: {
  candles: readonly Candle[];
  intervalMs: number;
  volatility: Float64Array;
  horizon: number;
  first: number;
  last: number;
  window?: number;
}): (HorizonForecast | undefined)[] {
  const { candles, intervalMs, horizon, first, last } = params;
  const window = params.window ?? EMPIRICAL_WINDOW;
  // The return realised at candle j (from j - horizon to j): what the window of `end` holds for j <= end.
  const realisedAt = (j: number) =>
    j >= horizon ? horizonReturn(candles, intervalMs, j - horizon, horizon) : null;
  const past = new SortedWindow();
  for (let j = Math.max(horizon, first - window + 1); j <= first - 1; j++) {
    const value = realisedAt(j);
    if (value !== null) {
      past.insert(value);
    }
  }
  const forecasts: (HorizonForecast | undefined)[] = [];
  for (let end = first; end <= last; end++) {
    const entering = realisedAt(end);
    if (entering !== null) {
      past.insert(entering);
    }
    const leaving = end - window;
    if (leaving >= Math.max(horizon, first - window + 1)) {
      const value = realisedAt(leaving);
      if (value !== null) {
        past.remove(value);
      }
    }
    const sigma = params.volatility[end];
    const sorted = past.values;
    forecasts.push(
      sorted.length < 30 || sigma === undefined || !(sigma > 0)
        ? undefined
        : {
            horizon,
            predictedReturn: 0,
            median: quantileType7(sorted, 0.5),
            lower: quantileType7(sorted, LOWER_QUANTILE),
            upper: quantileType7(sorted, UPPER_QUANTILE),
            volatility: sigma * Math.sqrt(horizon),
            probabilityUp: past.positives / sorted.length,
          },
    );
  }
  return forecasts;
}

export interface BandScore {
  /** Share of realised returns inside [lower, upper] (nominal 0.8). */
  coverage: number;
  /** Mean width of the interval, in log return. */
  meanWidth: number;
  pinballLower: number;
  pinballMedian: number;
  pinballUpper: number;
}

export interface ProbabilityScore {
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
