import { accurateMean, requireFinite } from './sample-statistics';

/**
 * The RiskMetrics EWMA volatility of a return series.
 *
 * Pure, following R so results can be checked against test/fixtures/forecast-stats/reference.json;
 * invalid input throws a RangeError (see sample-statistics.ts).
 */

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
