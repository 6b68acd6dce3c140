import { accurateMean, requireNonEmpty, requireSameLength } from './sample-statistics';

/**
 * Scores for probabilistic forecasts: quantile (pinball) loss, interval coverage, Brier score, log
 * loss and reliability bins.
 *
 * Pure, following R so results can be checked against test/fixtures/forecast-stats/reference.json;
 * invalid input throws a RangeError (see sample-statistics.ts).
 */

/** A binary event's outcome: 1 or true when it happened, 0 or false when it did not. */
export type BinaryOutcome = 0 | 1 | boolean;

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

function requireProbabilities(name: string, probabilities: readonly number[]): void {
  if (!probabilities.every((p) => p >= 0 && p <= 1)) {
    throw new RangeError(`${name}: probabilities must lie in [0, 1]`);
  }
}

function outcomeValue(outcome: BinaryOutcome): 0 | 1 {
  return outcome === true || outcome === 1 ? 1 : 0;
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
