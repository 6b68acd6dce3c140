import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DieboldMarianoAlternative, DieboldMarianoVarianceEstimator } from './diebold-mariano';

/**
 * Every expected number comes from test/fixtures/forecast-stats/reference.json, written by R
 * (scripts/fixtures/forecast-stats.R: forecast 8.20 dm.test, quantile, pt, pnorm, qnorm, quantreg)
 * and cross-checked by numpy/scipy/statsmodels (scripts/fixtures/forecast-stats.py), except the
 * EWMA example, whose expectations are pasted from the Python one-liners quoted next to it.
 */
export interface DmCase {
  series: string;
  h: number;
  power: 1 | 2;
  alternative: DieboldMarianoAlternative;
  varestimator: DieboldMarianoVarianceEstimator;
  statistic: number;
  pValue: number;
  horizonUsed: number;
  meanLossDifference: number;
  warning: string | null;
}

interface Reference {
  dieboldMariano: {
    series: Record<string, { e1: number[]; e2: number[] }>;
    cases: DmCase[];
    zeroVarianceError: string;
  };
  quantileType7: { sorted: number[]; probs: number[]; quantiles: number[] }[];
  pinball: {
    actual: number[];
    cases: { tau: number; predicted: number[]; loss: number; quantregLoss: number }[];
  };
  probabilistic: {
    probabilities: number[];
    outcomes: (0 | 1)[];
    brier: number;
    logLoss: { eps: number; value: number };
    reliability: {
      bins: number;
      rows: {
        from: number;
        to: number;
        count: number;
        meanPredicted: number | null;
        observedFrequency: number | null;
      }[];
    }[];
  };
  coverage: {
    actual: number[];
    cases: {
      level: number;
      lower: number[];
      upper: number[];
      coverage: number;
      meanWidth: number;
      count: number;
    }[];
  };
  studentT: { t: number[]; df: number[]; cdf: number[] };
  normal: { x: number[]; cdf: number[]; p: number[]; quantile: number[] };
}

export const reference = JSON.parse(
  readFileSync(
    path.join(__dirname, '../../../test/fixtures/forecast-stats/reference.json'),
    'utf8',
  ),
) as Reference;

const TOLERANCE = 1e-9;

/** |actual - expected| / |expected| (0 when equal, absolute difference when expected is 0). */
function relativeError(actual: number, expected: number): number {
  if (actual === expected) {
    return 0;
  }
  return Math.abs(actual - expected) / (expected === 0 ? 1 : Math.abs(expected));
}

/** Collects "what: actual vs expected" for every comparison beyond the tolerance. */
export function mismatches(
  rows: readonly { what: string; actual: number; expected: number }[],
  tolerance = TOLERANCE,
): string[] {
  return rows
    .filter((row) => !(relativeError(row.actual, row.expected) <= tolerance))
    .map((row) => `${row.what}: ${row.actual} vs ${row.expected}`);
}

export function expectRelativelyClose(
  actual: number,
  expected: number,
  tolerance = TOLERANCE,
): void {
  expect(mismatches([{ what: 'value', actual, expected }], tolerance)).toEqual([]);
}

export function seriesOf(name: string): { e1: number[]; e2: number[] } {
  const series = reference.dieboldMariano.series[name];
  if (!series) {
    throw new Error(`reference.json has no series ${name}`);
  }
  return series;
}
