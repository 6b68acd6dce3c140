import type { Candle } from '../../market-data/candle';
import { ewmaVolatility } from './ewma-volatility';
import { quantileType7 } from './sample-statistics';

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
 *
 * This file holds the model's distribution and its calibration; the baseline is in
 * baseline-forecast.ts, and both are scored against the simpler baselines in forecast-scoring.ts.
 */

const EWMA_LAMBDA = 0.94;
/** The served band: the 10% and 90% quantiles (an 80% interval). */
export const LOWER_QUANTILE = 0.1;
export const UPPER_QUANTILE = 0.9;
/** Levels at which the standardised residuals' quantiles are stored: 0.01, 0.02, ..., 0.99. */
const GRID = Array.from({ length: 99 }, (_, i) => (i + 1) / 100);
/** One-sided 97.5% normal quantile: the shrinkage is the fitted weight minus this many standard errors. */
const SHRINKAGE_Z = 1.959964;
/** Fewest out-of-sample predictions a calibration is fitted on. */
const MIN_CALIBRATION_POINTS = 20;

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

/** An out-of-sample prediction with its realised h-candle return and its volatility scale. */
export interface Point {
  end: number;
  predicted: number;
  actual: number;
  scale: number;
}

/** The predictions whose h-candle return is known, with the volatility scale at their candle. */
export function pointsAt(params: {
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
