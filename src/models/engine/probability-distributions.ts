/**
 * The distribution functions the forecast statistics need: Student's t (R's pt), the standard
 * normal (R's pnorm and qnorm) and the special functions behind them.
 *
 * Pure, following R so results can be checked against test/fixtures/forecast-stats/reference.json;
 * invalid input throws a RangeError (see sample-statistics.ts).
 */

const LN_SQRT_2PI = 0.918938533204672741780329736406; // log(sqrt(2 * pi))
const SQRT_2PI = 2.50662827463100050241576528481; // sqrt(2 * pi)
const INV_SQRT_2PI = 0.398942280401432677939946059934; // 1 / sqrt(2 * pi)

/** Polynomial by Horner's rule; coefficients from the highest power down. */
function horner(coefficients: readonly number[], x: number): number {
  return coefficients.reduce((acc, c) => acc * x + c, 0);
}

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
