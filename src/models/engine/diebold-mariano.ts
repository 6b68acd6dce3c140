import { studentTCdf } from './probability-distributions';
import { accurateMean, requireFinite, requireSameLength } from './sample-statistics';

/**
 * The Diebold-Mariano test of two forecasts' accuracy, as R's forecast::dm.test.
 *
 * Pure, following R so results can be checked against test/fixtures/forecast-stats/reference.json;
 * invalid input throws a RangeError (see sample-statistics.ts).
 */

/** Alternative hypothesis of the Diebold-Mariano test, named as in R (about forecast 1 vs 2). */
export type DieboldMarianoAlternative = 'two.sided' | 'less' | 'greater';

/** Long-run variance estimator of the Diebold-Mariano test, named as in R's dm.test. */
export type DieboldMarianoVarianceEstimator = 'acf' | 'bartlett';

/** Inputs of {@link dieboldMariano}; errors are actual minus forecast, aligned by time. */
export interface DieboldMarianoParams {
  /** Forecast errors of the first method. */
  errors1: readonly number[];
  /** Forecast errors of the second method, same length and times as errors1. */
  errors2: readonly number[];
  /** Forecast horizon h (>= 1): autocovariances up to lag h - 1 enter the variance. */
  horizon: number;
  /** Loss |e|^power: 1 absolute error (default), 2 squared error. */
  power?: 1 | 2;
  /** 'less': method 2 is less accurate than method 1; 'greater': method 2 is more accurate. */
  alternative?: DieboldMarianoAlternative;
  /** 'bartlett' (Newey-West, default) or 'acf' (rectangular weights, R's default). */
  varianceEstimator?: DieboldMarianoVarianceEstimator;
}

/** Result of {@link dieboldMariano}. */
export interface DieboldMarianoResult {
  /** DM statistic with the Harvey-Leybourne-Newbold correction (R's `statistic`). */
  statistic: number;
  /** p-value from Student's t with count - 1 degrees of freedom (R's `p.value`). */
  pValue: number;
  /** Mean of |e1|^power - |e2|^power: positive when method 1 has the larger loss. */
  meanLossDifference: number;
  /** Number of error pairs. */
  count: number;
  /** Horizon actually used: 1 when a non-positive variance made R's fallback to h = 1 apply. */
  horizon: number;
  /** Variance estimator used. */
  varianceEstimator: DieboldMarianoVarianceEstimator;
}

/** Diebold-Mariano test computed as R forecast::dm.test 8.20 (HLN correction, t(n - 1)). */
export function dieboldMariano(params: DieboldMarianoParams): DieboldMarianoResult {
  // Mirrors forecast::dm.test (8.20) step by step:
  //   d = |e1|^power - |e2|^power; gamma_k = autocovariance of d at lag k with denominator n, k < h
  //   (R's acf(type = "covariance")); variance = (gamma_0 + 2 sum_k w_k gamma_k) / n with w_k = 1
  //   ('acf') or 1 - k/h ('bartlett', Newey-West); statistic = mean(d) / sqrt(variance) times the
  //   Harvey-Leybourne-Newbold factor sqrt((n + 1 - 2h + h(h - 1)/n) / n); p-value from Student's t
  //   with n - 1 degrees of freedom. Defaults differ from R's (power 2, 'acf'): 1, 'bartlett'.
  // Non-positive variance: R warns "Variance is negative. Try varestimator = bartlett.
  //   Proceeding with horizon h=1." and reruns with h = 1 and the same estimator (it does not
  //   switch to Bartlett); so does this, and the result's horizon is then 1. If the h = 1
  //   variance is zero too (constant d), R stops ("Variance of DM statistic is zero"): this throws.
  // Horizons >= n are rejected here (R would return NaN or 0 from the correction factor).
  const { errors1, errors2, horizon } = params;
  const power = params.power ?? 1;
  const alternative = params.alternative ?? 'two.sided';
  const varianceEstimator = params.varianceEstimator ?? 'bartlett';
  requireSameLength('dieboldMariano', errors1, errors2);
  const n = errors1.length;
  if (n < 2) {
    throw new RangeError(`dieboldMariano: needs at least 2 pairs of errors, got ${n}`);
  }
  requireFinite('dieboldMariano', errors1);
  requireFinite('dieboldMariano', errors2);
  if (!Number.isInteger(horizon) || horizon < 1 || horizon >= n) {
    throw new RangeError(
      `dieboldMariano: horizon must be an integer in [1, ${n - 1}], got ${horizon}`,
    );
  }
  if (power !== 1 && power !== 2) {
    throw new RangeError(`dieboldMariano: power must be 1 or 2, got ${String(power)}`);
  }
  const d = errors1.map((e1, i) => {
    const e2 = errors2[i] ?? Number.NaN;
    return power === 1 ? Math.abs(e1) - Math.abs(e2) : e1 * e1 - e2 * e2;
  });
  const mean = accurateMean(d);
  const centred = d.map((value) => value - mean);
  const autocovariance = (lag: number): number => {
    let sum = 0;
    for (let i = 0; i + lag < n; i++) {
      sum += (centred[i + lag] ?? Number.NaN) * (centred[i] ?? Number.NaN);
    }
    return sum / n;
  };
  const longRunVariance = (h: number): number => {
    let total = autocovariance(0);
    for (let k = 1; k < h; k++) {
      const weight = varianceEstimator === 'acf' ? 1 : 1 - k / h;
      total += 2 * weight * autocovariance(k);
    }
    return total / n;
  };
  let h = horizon;
  let variance = longRunVariance(h);
  if (!(variance > 0) && h > 1) {
    h = 1; // R's fallback, see above
    variance = longRunVariance(h);
  }
  if (!(variance > 0)) {
    throw new RangeError(
      'dieboldMariano: variance of the DM statistic is zero (constant loss differences)',
    );
  }
  const correction = Math.sqrt((n + 1 - 2 * h + (h / n) * (h - 1)) / n);
  const statistic = (mean / Math.sqrt(variance)) * correction;
  const df = n - 1;
  let pValue: number;
  switch (alternative) {
    case 'two.sided':
      pValue = 2 * studentTCdf(-Math.abs(statistic), df);
      break;
    case 'less':
      pValue = studentTCdf(statistic, df);
      break;
    case 'greater':
      pValue = studentTCdf(-statistic, df); // the upper tail, computed directly (no 1 - x)
      break;
  }
  return { statistic, pValue, meanLossDifference: mean, count: n, horizon: h, varianceEstimator };
}
