/**
 * Scores for probabilistic forecasts: quantile (pinball) loss, interval coverage, Brier score, log
 * loss, reliability bins, the Diebold-Mariano test and the distribution functions they need.
 *
 * Pure and dependency-free. Conventions follow R (stats, forecast 8.20) so results can be checked
 * against it: test/fixtures/forecast-stats/reference.json holds R's values, produced by
 * scripts/fixtures/forecast-stats.R and cross-checked by scripts/fixtures/forecast-stats.py.
 * Invalid input (mismatched lengths, empty samples, parameters out of range, non-finite values
 * where a finite one is needed) throws a RangeError.
 */

/** A binary event's outcome: 1 or true when it happened, 0 or false when it did not. */
export type BinaryOutcome = 0 | 1 | boolean;

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

/** One equal-width probability bin of {@link reliabilityTable}. */
export interface ReliabilityBin {
  /** Lower edge, included. */
  from: number;
  /** Upper edge, excluded except for the last bin, which is closed at 1. */
  to: number;
  /** Number of forecasts in the bin. */
  count: number;
  /** Mean forecast probability in the bin; null when the bin is empty. */
  meanPredicted: number | null;
  /** Share of outcomes that happened in the bin; null when the bin is empty. */
  observedFrequency: number | null;
}

/** Result of {@link intervalCoverage}. */
export interface IntervalCoverage {
  /** Share of actuals with lower <= actual <= upper. */
  coverage: number;
  /** Mean of upper - lower. */
  meanWidth: number;
  /** Number of intervals. */
  count: number;
}

const LN_SQRT_2PI = 0.918938533204672741780329736406; // log(sqrt(2 * pi))
const SQRT_2PI = 2.50662827463100050241576528481; // sqrt(2 * pi)
const INV_SQRT_2PI = 0.398942280401432677939946059934; // 1 / sqrt(2 * pi)

// ---- small helpers ------------------------------------------------------------------------------

/** Mean by Neumaier summation plus one residual-correction pass, like R's mean(). */
function accurateMean(values: readonly number[]): number {
  const n = values.length;
  let sum = 0;
  let compensation = 0;
  for (const value of values) {
    const next = sum + value;
    compensation += Math.abs(sum) >= Math.abs(value) ? sum - next + value : value - next + sum;
    sum = next;
  }
  const mean = (sum + compensation) / n;
  if (!Number.isFinite(mean)) {
    return mean;
  }
  let residual = 0;
  for (const value of values) {
    residual += value - mean;
  }
  return mean + residual / n;
}

function requireSameLength(
  name: string,
  first: readonly unknown[],
  second: readonly unknown[],
): void {
  if (first.length !== second.length) {
    throw new RangeError(`${name}: arrays differ in length (${first.length} vs ${second.length})`);
  }
}

function requireNonEmpty(name: string, values: readonly unknown[]): void {
  if (values.length === 0) {
    throw new RangeError(`${name}: needs at least one value`);
  }
}

function requireFinite(name: string, values: readonly number[]): void {
  if (!values.every(Number.isFinite)) {
    throw new RangeError(`${name}: values must be finite numbers`);
  }
}

function requireProbabilities(name: string, probabilities: readonly number[]): void {
  if (!probabilities.every((p) => p >= 0 && p <= 1)) {
    throw new RangeError(`${name}: probabilities must lie in [0, 1]`);
  }
}

function outcomeValue(outcome: BinaryOutcome): 0 | 1 {
  return outcome === true || outcome === 1 ? 1 : 0;
}

/** Polynomial by Horner's rule; coefficients from the highest power down. */
function horner(coefficients: readonly number[], x: number): number {
  return coefficients.reduce((acc, c) => acc * x + c, 0);
}

// ---- quantiles and scores -----------------------------------------------------------------------

/** R's default quantile (type 7: interpolated at (n - 1)p) of an ascending-sorted array. */
export function quantileType7(sorted: readonly number[], p: number): number {
  requireNonEmpty('quantileType7', sorted);
  if (!(p >= 0 && p <= 1)) {
    throw new RangeError(`quantileType7: p must lie in [0, 1], got ${p}`);
  }
  for (let i = 1; i < sorted.length; i++) {
    if (!((sorted[i - 1] ?? Number.NaN) <= (sorted[i] ?? Number.NaN))) {
      throw new RangeError('quantileType7: values must be sorted ascending and not NaN');
    }
  }
  // Same arithmetic as R's quantile.default: 1-based index 1 + (n - 1)p, (1 - h)x[lo] + h x[hi].
  const index = 1 + (sorted.length - 1) * p;
  const lo = Math.floor(index);
  const hi = Math.ceil(index);
  const low = sorted[lo - 1] ?? Number.NaN;
  const high = sorted[hi - 1] ?? Number.NaN;
  if (index > lo && high !== low) {
    const h = index - lo;
    return (1 - h) * low + h * high;
  }
  return low;
}

/** Mean pinball loss at level tau: max(tau (y - q), (tau - 1)(y - q)) over the pairs. */
export function pinballLoss(
  actual: readonly number[],
  predicted: readonly number[],
  tau: number,
): number {
  requireSameLength('pinballLoss', actual, predicted);
  requireNonEmpty('pinballLoss', actual);
  if (!(tau >= 0 && tau <= 1)) {
    throw new RangeError(`pinballLoss: tau must lie in [0, 1], got ${tau}`);
  }
  const losses = actual.map((y, i) => {
    const u = y - (predicted[i] ?? Number.NaN);
    return Math.max(tau * u, (tau - 1) * u);
  });
  return accurateMean(losses);
}

/** Share of actuals in the closed [lower, upper] and mean upper - lower (crossed never cover). */
export function intervalCoverage(
  actual: readonly number[],
  lower: readonly number[],
  upper: readonly number[],
): IntervalCoverage {
  requireSameLength('intervalCoverage', actual, lower);
  requireSameLength('intervalCoverage', actual, upper);
  requireNonEmpty('intervalCoverage', actual);
  let covered = 0;
  const widths = actual.map((y, i) => {
    const lo = lower[i] ?? Number.NaN;
    const hi = upper[i] ?? Number.NaN;
    if (lo <= y && y <= hi) {
      covered++;
    }
    return hi - lo;
  });
  return {
    coverage: covered / actual.length,
    meanWidth: accurateMean(widths),
    count: actual.length,
  };
}

/** Brier score: mean squared difference between forecast probability and outcome (0 or 1). */
export function brierScore(
  probabilities: readonly number[],
  outcomes: readonly BinaryOutcome[],
): number {
  requireSameLength('brierScore', probabilities, outcomes);
  requireNonEmpty('brierScore', probabilities);
  requireProbabilities('brierScore', probabilities);
  return accurateMean(
    probabilities.map((p, i) => {
      const d = p - outcomeValue(outcomes[i] ?? false);
      return d * d;
    }),
  );
}

/** Mean negative natural-log likelihood, probabilities clipped to [eps, 1 - eps]. */
export function logLoss(
  probabilities: readonly number[],
  outcomes: readonly BinaryOutcome[],
  eps = 1e-15,
): number {
  requireSameLength('logLoss', probabilities, outcomes);
  requireNonEmpty('logLoss', probabilities);
  requireProbabilities('logLoss', probabilities);
  if (!(eps > 0 && eps < 0.5)) {
    throw new RangeError(`logLoss: eps must lie in (0, 0.5), got ${eps}`);
  }
  return accurateMean(
    probabilities.map((p, i) => {
      const clipped = Math.min(Math.max(p, eps), 1 - eps);
      return outcomeValue(outcomes[i] ?? false) === 1 ? -Math.log(clipped) : -Math.log(1 - clipped);
    }),
  );
}

/** Calibration bins [i/bins, (i+1)/bins), the last closed at 1 (R's cut with right = FALSE). */
export function reliabilityTable(
  probabilities: readonly number[],
  outcomes: readonly BinaryOutcome[],
  bins = 10,
): ReliabilityBin[] {
  requireSameLength('reliabilityTable', probabilities, outcomes);
  requireProbabilities('reliabilityTable', probabilities);
  if (!Number.isInteger(bins) || bins < 1) {
    throw new RangeError(`reliabilityTable: bins must be a positive integer, got ${bins}`);
  }
  // Edges are i / bins (as R's (0:bins) / bins, not seq(0, 1, 0.1), whose 4th edge is
  // 0.30000000000000004), compared directly so values on an edge land where cut() puts them.
  const edge = (i: number): number => i / bins;
  const predicted: number[][] = Array.from({ length: bins }, () => []);
  const observed: number[][] = Array.from({ length: bins }, () => []);
  probabilities.forEach((p, i) => {
    let bin = Math.min(bins - 1, Math.floor(p * bins));
    while (bin > 0 && p < edge(bin)) {
      bin--;
    }
    while (bin < bins - 1 && p >= edge(bin + 1)) {
      bin++;
    }
    predicted[bin]?.push(p);
    observed[bin]?.push(outcomeValue(outcomes[i] ?? false));
  });
  return predicted.map((ps, i) => {
    const os = observed[i] ?? [];
    return {
      from: edge(i),
      to: edge(i + 1),
      count: ps.length,
      meanPredicted: ps.length > 0 ? accurateMean(ps) : null,
      observedFrequency: os.length > 0 ? accurateMean(os) : null,
    };
  });
}

// ---- special functions --------------------------------------------------------------------------

/** lgamma(x) - ((x - 0.5) ln x - x + ln sqrt(2 pi)) by Stirling's series, for x >= 10. */
function stirlingCorrection(x: number): number {
  const inv = 1 / x;
  const inv2 = inv * inv;
  // Bernoulli terms B_2k / (2k (2k - 1) x^(2k - 1)), k = 1..8.
  const series = horner(
    [-3617 / 122400, 1 / 156, -691 / 360360, 1 / 1188, -1 / 1680, 1 / 1260, -1 / 360, 1 / 12],
    inv2,
  );
  return series * inv;
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
  -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
  1.5056327351493116e-7,
] as const;

/** ln Gamma(x) for x > 0: Lanczos (g = 7, n = 9) below 10, Stirling with its series above. */
function logGamma(x: number): number {
  if (x < 0.5) {
    return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  }
  if (x >= 10) {
    return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + stirlingCorrection(x);
  }
  const z = x - 1;
  let sum: number = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) {
    sum += (LANCZOS[i] ?? 0) / (z + i);
  }
  const t = z + 7.5;
  return LN_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln B(a, b), large-argument terms combined so they do not cancel (as SLATEC's dlbeta). */
function logBeta(a: number, b: number): number {
  const p = Math.min(a, b);
  const q = Math.max(a, b);
  if (p >= 10) {
    const corr = stirlingCorrection(p) + stirlingCorrection(q) - stirlingCorrection(p + q);
    return (
      -0.5 * Math.log(q) +
      LN_SQRT_2PI +
      corr +
      (p - 0.5) * Math.log(p / (p + q)) +
      q * Math.log1p(-p / (p + q))
    );
  }
  if (q >= 10) {
    const corr = stirlingCorrection(q) - stirlingCorrection(p + q);
    return logGamma(p) + corr + p - p * Math.log(p + q) + (q - 0.5) * Math.log1p(-p / (p + q));
  }
  return logGamma(p) + logGamma(q) - logGamma(p + q);
}

/** Incomplete beta continued fraction (Numerical Recipes' betacf, modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  d = 1 / (Math.abs(d) < tiny ? tiny : d);
  let h = d;
  for (let m = 1; m <= 100000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = 1 + aa / c;
    c = Math.abs(c) < tiny ? tiny : c;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = 1 + aa / c;
    c = Math.abs(c) < tiny ? tiny : c;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) {
      return h;
    }
  }
  throw new RangeError(`incomplete beta: continued fraction did not converge (a=${a}, b=${b})`);
}

/** Regularized incomplete beta I_x(a, b), given x, y = 1 - x and their logs. */
function regularizedBeta(
  a: number,
  b: number,
  x: number,
  y: number,
  lnX: number,
  lnY: number,
): number {
  const front = Math.exp(a * lnX + b * lnY - logBeta(a, b));
  if (x < (a + 1) / (a + b + 2)) {
    return (front * betaContinuedFraction(a, b, x)) / a;
  }
  return 1 - (front * betaContinuedFraction(b, a, y)) / b;
}

/** P(T > t) for t >= 0, T ~ t(df): 0.5 I_{df/(df+t^2)}(df/2, 1/2), without cancellation. */
function studentUpperTail(t: number, df: number): number {
  const t2 = t * t;
  let x: number;
  let y: number;
  let lnX: number;
  let lnY: number;
  if (t2 > df) {
    const r = df / t2; // may underflow to 0 for huge t; the logs below stay exact
    x = r / (1 + r);
    y = 1 / (1 + r);
    lnX = Math.log(df) - 2 * Math.log(t) - Math.log1p(r);
    lnY = -Math.log1p(r);
  } else {
    const s = t2 / df;
    x = 1 / (1 + s);
    y = s / (1 + s);
    lnX = -Math.log1p(s);
    lnY = 2 * Math.log(t) - Math.log(df) - Math.log1p(s);
  }
  return 0.5 * regularizedBeta(df / 2, 0.5, x, y, lnX, lnY);
}

/** Student t distribution function P(T <= t) (R's pt), via the incomplete beta function. */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t) || Number.isNaN(df)) {
    return Number.NaN;
  }
  if (!(df > 0)) {
    throw new RangeError(`studentTCdf: df must be positive, got ${df}`);
  }
  if (t === Number.POSITIVE_INFINITY) {
    return 1;
  }
  if (t === Number.NEGATIVE_INFINITY) {
    return 0;
  }
  if (df === Number.POSITIVE_INFINITY) {
    return normalCdf(t);
  }
  if (t === 0) {
    return 0.5;
  }
  const tail = studentUpperTail(Math.abs(t), df);
  return t < 0 ? tail : 1 - tail;
}

// Cody (1969, 1993 SPECFUN ANORM) rational Chebyshev approximations, highest power first.
const CODY_A = [
  0.065682337918207449113, 2.2352520354606839287, 161.02823106855587881, 1067.6894854603709582,
  18154.981253343561249,
];
const CODY_B = [
  1, 47.20258190468824187, 976.09855173777669322, 10260.932208618978205, 45507.789335026729956,
];
const CODY_C = [
  1.0765576773720192317e-8, 0.39894151208813466764, 8.8831497943883759412, 93.506656132177855979,
  597.27027639480026226, 2494.5375852903726711, 6848.1904505362823326, 11602.651437647350124,
  9842.7148383839780218,
];
const CODY_D = [
  1, 22.266688044328115691, 235.38790178262499861, 1519.377599407554805, 6485.558298266760755,
  18615.571640885098091, 34900.952721145977266, 38912.003286093271411, 19685.429676859990727,
];
const CODY_P = [
  0.02307344176494017303, 0.21589853405795699, 0.1274011611602473639, 0.022235277870649807,
  0.001421619193227893466, 2.9112874951168792e-5,
];
const CODY_Q = [
  1, 1.28426009614491121, 0.468238212480865118, 0.0659881378689285515, 0.00378239633202758244,
  7.29751555083966205e-5,
];

/** exp(-y^2 / 2), y^2 split into an exact head and a small rest so it is not rounded. */
function gaussianFactor(y: number): number {
  const head = Math.trunc(y * 16) / 16;
  const rest = (y - head) * (y + head);
  return Math.exp(-head * head * 0.5) * Math.exp(-rest * 0.5);
}

/** Standard normal distribution function (R's pnorm): Cody's rational approximations. */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) {
    return Number.NaN;
  }
  const y = Math.abs(x);
  if (y <= 0.66291) {
    const xsq = y > Number.EPSILON / 2 ? x * x : 0;
    return 0.5 + (x * horner(CODY_A, xsq)) / horner(CODY_B, xsq);
  }
  let tail: number; // P(Z > y)
  if (y <= Math.sqrt(32)) {
    tail = (gaussianFactor(y) * horner(CODY_C, y)) / horner(CODY_D, y);
  } else if (y < 50) {
    const xsq = 1 / (x * x);
    const r = (xsq * horner(CODY_P, xsq)) / horner(CODY_Q, xsq);
    tail = (gaussianFactor(y) * (INV_SQRT_2PI - r)) / y;
  } else {
    tail = 0;
  }
  return x > 0 ? 1 - tail : tail;
}

const ACKLAM_A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2,
  -3.066479806614716e1, 2.506628277459239,
];
const ACKLAM_B = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
  -1.328068155288572e1, 1,
];
const ACKLAM_C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734,
  4.374664141464968, 2.938163982698783,
];
const ACKLAM_D = [
  7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416, 1,
];

/** Standard normal quantile (R's qnorm): Acklam's approximation plus one Halley step. */
export function normalQuantile(p: number): number {
  if (Number.isNaN(p)) {
    return Number.NaN;
  }
  if (!(p >= 0 && p <= 1)) {
    throw new RangeError(`normalQuantile: p must lie in [0, 1], got ${p}`);
  }
  if (p === 0) {
    return Number.NEGATIVE_INFINITY;
  }
  if (p === 1) {
    return Number.POSITIVE_INFINITY;
  }
  if (p === 0.5) {
    return 0;
  }
  if (p > 0.5) {
    // 1 - p is exact for p in (0.5, 1), and the lower tail keeps full relative precision.
    return -normalQuantile(1 - p);
  }
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = horner(ACKLAM_C, q) / horner(ACKLAM_D, q);
  } else {
    const q = p - 0.5;
    x = (horner(ACKLAM_A, q * q) * q) / horner(ACKLAM_B, q * q);
  }
  const u = (normalCdf(x) - p) * SQRT_2PI * Math.exp((x * x) / 2);
  if (Number.isFinite(u)) {
    x -= u / (1 + (x * u) / 2);
  }
  return x;
}

// ---- Diebold-Mariano ----------------------------------------------------------------------------

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

// ---- volatility ---------------------------------------------------------------------------------

/** RiskMetrics EWMA sigma_t from returns 0..t (the forecast for t + 1); NaN before the seed. */
export function ewmaVolatility(
  returns: readonly number[],
  lambda = 0.94,
  seedCount = 30,
): number[] {
  // sigma2_t = lambda sigma2_(t-1) + (1 - lambda) r_t^2. With m = min(seedCount, n), index
  // m - 1 holds the seed sqrt(mean(r_0^2 .. r_(m-1)^2)) and the recursion runs from index m.
  // Indices before m - 1 are NaN (warm-up): a value there would need later returns (look-ahead).
  if (!(lambda >= 0 && lambda <= 1)) {
    throw new RangeError(`ewmaVolatility: lambda must lie in [0, 1], got ${lambda}`);
  }
  if (!Number.isInteger(seedCount) || seedCount < 1) {
    throw new RangeError(`ewmaVolatility: seedCount must be a positive integer, got ${seedCount}`);
  }
  requireFinite('ewmaVolatility', returns);
  const n = returns.length;
  if (n === 0) {
    return [];
  }
  const m = Math.min(seedCount, n);
  const out = new Array<number>(n).fill(Number.NaN);
  let variance = accurateMean(returns.slice(0, m).map((r) => r * r));
  out[m - 1] = Math.sqrt(variance);
  for (let t = m; t < n; t++) {
    const r = returns[t] ?? Number.NaN;
    variance = lambda * variance + (1 - lambda) * r * r;
    out[t] = Math.sqrt(variance);
  }
  return out;
}
