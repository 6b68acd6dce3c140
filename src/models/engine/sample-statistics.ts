/**
 * What the forecast statistics (scoring-rules.ts, diebold-mariano.ts, ewma-volatility.ts) share:
 * R's mean and type-7 quantile, and the checks of their inputs.
 *
 * Pure and dependency-free. Conventions follow R (stats, forecast 8.20) so results can be checked
 * against it: test/fixtures/forecast-stats/reference.json holds R's values, produced by
 * scripts/fixtures/forecast-stats.R and cross-checked by scripts/fixtures/forecast-stats.py.
 * Invalid input (mismatched lengths, empty samples, parameters out of range, non-finite values
 * where a finite one is needed) throws a RangeError.
 */

/** Mean by Neumaier summation plus one residual-correction pass, like R's mean(). */
export function accurateMean(values: readonly number[]): number {
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

export function requireSameLength(
  name: string,
  first: readonly unknown[],
  second: readonly unknown[],
): void {
  if (first.length !== second.length) {
    throw new RangeError(`${name}: arrays differ in length (${first.length} vs ${second.length})`);
  }
}

export function requireNonEmpty(name: string, values: readonly unknown[]): void {
  if (values.length === 0) {
    throw new RangeError(`${name}: needs at least one value`);
  }
}

export function requireFinite(name: string, values: readonly number[]): void {
  if (!values.every(Number.isFinite)) {
    throw new RangeError(`${name}: values must be finite numbers`);
  }
}

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
