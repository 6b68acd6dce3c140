import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  dieboldMariano,
  type DieboldMarianoAlternative,
  type DieboldMarianoVarianceEstimator,
} from './diebold-mariano';
import { ewmaVolatility } from './ewma-volatility';
import { normalCdf, normalQuantile, studentTCdf } from './probability-distributions';
import { quantileType7 } from './sample-statistics';
import {
  brierScore,
  intervalCoverage,
  logLoss,
  pinballLoss,
  reliabilityTable,
} from './scoring-rules';

/**
 * Every expected number comes from test/fixtures/forecast-stats/reference.json, written by R
 * (scripts/fixtures/forecast-stats.R: forecast 8.20 dm.test, quantile, pt, pnorm, qnorm, quantreg)
 * and cross-checked by numpy/scipy/statsmodels (scripts/fixtures/forecast-stats.py), except the
 * EWMA example, whose expectations are pasted from the Python one-liners quoted next to it.
 */
interface DmCase {
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

const reference = JSON.parse(
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
function mismatches(
  rows: readonly { what: string; actual: number; expected: number }[],
  tolerance = TOLERANCE,
): string[] {
  return rows
    .filter((row) => !(relativeError(row.actual, row.expected) <= tolerance))
    .map((row) => `${row.what}: ${row.actual} vs ${row.expected}`);
}

function expectRelativelyClose(actual: number, expected: number, tolerance = TOLERANCE): void {
  expect(mismatches([{ what: 'value', actual, expected }], tolerance)).toEqual([]);
}

function seriesOf(name: string): { e1: number[]; e2: number[] } {
  const series = reference.dieboldMariano.series[name];
  if (!series) {
    throw new Error(`reference.json has no series ${name}`);
  }
  return series;
}

describe('dieboldMariano', () => {
  const { cases } = reference.dieboldMariano;

  it('matches forecast::dm.test on every case of the reference', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80);
    const rows = cases.flatMap((c) => {
      const { e1, e2 } = seriesOf(c.series);
      const result = dieboldMariano({
        errors1: e1,
        errors2: e2,
        horizon: c.h,
        power: c.power,
        alternative: c.alternative,
        varianceEstimator: c.varestimator,
      });
      const what = `${c.series} h=${c.h} power=${c.power} ${c.alternative} ${c.varestimator}`;
      return [
        { what: `${what} statistic`, actual: result.statistic, expected: c.statistic },
        { what: `${what} p-value`, actual: result.pValue, expected: c.pValue },
        {
          what: `${what} mean d`,
          actual: result.meanLossDifference,
          expected: c.meanLossDifference,
        },
        { what: `${what} horizon`, actual: result.horizon, expected: c.horizonUsed },
        { what: `${what} count`, actual: result.count, expected: e1.length },
      ];
    });
    expect(mismatches(rows)).toEqual([]);
  });

  it('covers h = 1, 4, 24, both powers, all alternatives and both estimators', () => {
    const seen = (key: (c: DmCase) => string | number): (string | number)[] =>
      [...new Set(cases.map(key))].sort();
    expect(seen((c) => c.h)).toEqual(expect.arrayContaining([1, 4, 24]));
    expect(seen((c) => c.power)).toEqual([1, 2]);
    expect(seen((c) => c.alternative)).toEqual(['greater', 'less', 'two.sided']);
    expect(seen((c) => c.varestimator)).toEqual(['acf', 'bartlett']);
    expect(seen((c) => c.series)).toEqual(['alternating', 'ar1', 'overlap24']);
  });

  it('falls back to h = 1 where R warns that the acf variance is negative', () => {
    const fallbacks = cases.filter((c) => c.warning !== null);
    expect(fallbacks.length).toBeGreaterThanOrEqual(4);
    for (const c of fallbacks) {
      expect(c.warning).toMatch(/Proceeding with horizon h=1/);
      const { e1, e2 } = seriesOf(c.series);
      const result = dieboldMariano({
        errors1: e1,
        errors2: e2,
        horizon: c.h,
        power: c.power,
        alternative: c.alternative,
        varianceEstimator: c.varestimator,
      });
      expect(result.horizon).toBe(1);
      expect(result.varianceEstimator).toBe(c.varestimator);
      expectRelativelyClose(result.statistic, c.statistic);
    }
  });

  it('defaults to absolute error, a two-sided test and the Bartlett estimator', () => {
    const c = cases.find(
      (x) =>
        x.series === 'overlap24' &&
        x.h === 24 &&
        x.power === 1 &&
        x.alternative === 'two.sided' &&
        x.varestimator === 'bartlett',
    );
    if (!c) {
      throw new Error('reference.json lacks the default case');
    }
    const { e1, e2 } = seriesOf('overlap24');
    const result = dieboldMariano({ errors1: e1, errors2: e2, horizon: 24 });
    expect(result.varianceEstimator).toBe('bartlett');
    expect(result.horizon).toBe(24);
    expectRelativelyClose(result.statistic, c.statistic);
    expectRelativelyClose(result.pValue, c.pValue);
  });

  it('throws where R stops: constant loss differences, fewer than 2 pairs, unequal lengths', () => {
    expect(reference.dieboldMariano.zeroVarianceError).toBe('Variance of DM statistic is zero');
    const { e1 } = seriesOf('ar1');
    expect(() => dieboldMariano({ errors1: e1, errors2: e1, horizon: 1 })).toThrow(
      /variance of the DM statistic is zero/,
    );
    expect(() => dieboldMariano({ errors1: e1, errors2: e1, horizon: 4 })).toThrow(RangeError);
    expect(() => dieboldMariano({ errors1: [1], errors2: [2], horizon: 1 })).toThrow(RangeError);
    expect(() => dieboldMariano({ errors1: [], errors2: [], horizon: 1 })).toThrow(/at least 2/);
    expect(() => dieboldMariano({ errors1: [1, 2, 3], errors2: [1, 2], horizon: 1 })).toThrow(
      /differ in length/,
    );
    expect(() => dieboldMariano({ errors1: [1, 2, 3], errors2: [3, 1, 2], horizon: 3 })).toThrow(
      /horizon/,
    );
    expect(() => dieboldMariano({ errors1: [1, 2, 3], errors2: [3, 1, 2], horizon: 1.5 })).toThrow(
      /horizon/,
    );
    expect(() =>
      dieboldMariano({ errors1: [1, Number.NaN, 3], errors2: [3, 1, 2], horizon: 1 }),
    ).toThrow(/finite/);
  });
});

describe('quantileType7', () => {
  it("matches R's quantile(x, p, type = 7)", () => {
    const rows = reference.quantileType7.flatMap((set) =>
      set.probs.map((p, i) => ({
        what: `n=${set.sorted.length} p=${p}`,
        actual: quantileType7(set.sorted, p),
        expected: set.quantiles[i] ?? Number.NaN,
      })),
    );
    expect(rows.length).toBeGreaterThan(40);
    expect(mismatches(rows)).toEqual([]);
  });

  it('rejects empty or unsorted input and p outside [0, 1]', () => {
    expect(() => quantileType7([], 0.5)).toThrow(RangeError);
    expect(() => quantileType7([2, 1], 0.5)).toThrow(/sorted/);
    expect(() => quantileType7([1, 2], 1.5)).toThrow(RangeError);
  });
});

describe('pinballLoss', () => {
  it('matches R (checked against quantreg) at tau 0.1, 0.5 and 0.9', () => {
    const { actual, cases } = reference.pinball;
    expect(cases.map((c) => c.tau)).toEqual([0.1, 0.5, 0.9]);
    for (const c of cases) {
      expectRelativelyClose(c.quantregLoss, c.loss, 1e-13);
      expectRelativelyClose(pinballLoss(actual, c.predicted, c.tau), c.loss);
    }
  });

  it('rejects mismatched lengths and tau outside [0, 1]', () => {
    expect(() => pinballLoss([1, 2], [1], 0.5)).toThrow(/differ in length/);
    expect(() => pinballLoss([1], [1], 1.5)).toThrow(RangeError);
  });
});

describe('brierScore and logLoss', () => {
  const { probabilities, outcomes, brier, logLoss: expectedLogLoss } = reference.probabilistic;
  const booleans = outcomes.map((o) => o === 1);

  it('match R, with 0/1 and boolean outcomes', () => {
    expectRelativelyClose(brierScore(probabilities, outcomes), brier);
    expectRelativelyClose(brierScore(probabilities, booleans), brier);
    expectRelativelyClose(logLoss(probabilities, outcomes), expectedLogLoss.value);
    expectRelativelyClose(
      logLoss(probabilities, booleans, expectedLogLoss.eps),
      expectedLogLoss.value,
    );
  });

  it('clips confident misses at eps instead of returning Infinity', () => {
    expect(probabilities).toContain(0);
    expect(probabilities).toContain(1);
    expect(Number.isFinite(logLoss(probabilities, outcomes))).toBe(true);
  });

  it('rejects probabilities outside [0, 1] and mismatched lengths', () => {
    expect(() => brierScore([1.2], [1])).toThrow(RangeError);
    expect(() => logLoss([0.5, 0.5], [1])).toThrow(/differ in length/);
  });
});

describe('reliabilityTable', () => {
  it("bins like R's cut(p, (0:bins)/bins, right = FALSE, include.lowest = TRUE)", () => {
    const { probabilities, outcomes, reliability } = reference.probabilistic;
    expect(reliability.map((t) => t.bins)).toEqual([10, 5, 7]);
    for (const table of reliability) {
      const rows = reliabilityTable(probabilities, outcomes, table.bins);
      expect(rows.map((r) => [r.from, r.to, r.count])).toEqual(
        table.rows.map((r) => [r.from, r.to, r.count]),
      );
      rows.forEach((row, i) => {
        const expected = table.rows[i];
        for (const key of ['meanPredicted', 'observedFrequency'] as const) {
          const want = expected?.[key] ?? null;
          if (want === null) {
            expect(row[key]).toBeNull();
          } else {
            expectRelativelyClose(row[key] ?? Number.NaN, want);
          }
        }
      });
    }
  });

  it('defaults to 10 bins and reports empty bins as null', () => {
    const rows = reliabilityTable([0, 1, 1, 0.95], [0, 1, true, false]);
    expect(rows).toHaveLength(10);
    expect(rows[0]).toEqual({ from: 0, to: 0.1, count: 1, meanPredicted: 0, observedFrequency: 0 });
    expect(rows[5]).toEqual({
      from: 0.5,
      to: 0.6,
      count: 0,
      meanPredicted: null,
      observedFrequency: null,
    });
    expect(rows[9]?.count).toBe(3);
  });
});

describe('intervalCoverage', () => {
  it('matches R for closed intervals', () => {
    const { actual, cases } = reference.coverage;
    for (const c of cases) {
      const result = intervalCoverage(actual, c.lower, c.upper);
      expect(result.count).toBe(c.count);
      expectRelativelyClose(result.coverage, c.coverage);
      expectRelativelyClose(result.meanWidth, c.meanWidth);
    }
  });
});

describe('studentTCdf', () => {
  it("matches R's pt() over t in [-40, 25] and df from 1 to 10000", () => {
    const { t, df, cdf } = reference.studentT;
    expect(df).toEqual(expect.arrayContaining([3, 30, 499]));
    const rows = t.map((value, i) => ({
      what: `pt(${value}, ${df[i]})`,
      actual: studentTCdf(value, df[i] ?? Number.NaN),
      expected: cdf[i] ?? Number.NaN,
    }));
    expect(mismatches(rows, 1e-10)).toEqual([]);
  });

  it('handles infinities and rejects df <= 0', () => {
    expect(studentTCdf(Number.NEGATIVE_INFINITY, 3)).toBe(0);
    expect(studentTCdf(Number.POSITIVE_INFINITY, 3)).toBe(1);
    expect(studentTCdf(0, 7)).toBe(0.5);
    expect(() => studentTCdf(1, 0)).toThrow(RangeError);
  });
});

describe('normalCdf and normalQuantile', () => {
  it("match R's pnorm() and qnorm()", () => {
    const { x, cdf, p, quantile } = reference.normal;
    expect(p).toEqual(expect.arrayContaining([1e-6, 0.1, 0.5, 0.9, 0.999999]));
    const rows = [
      ...x.map((value, i) => ({
        what: `pnorm(${value})`,
        actual: normalCdf(value),
        expected: cdf[i] ?? Number.NaN,
      })),
      ...p.map((value, i) => ({
        what: `qnorm(${value})`,
        actual: normalQuantile(value),
        expected: quantile[i] ?? Number.NaN,
      })),
    ];
    expect(mismatches(rows, 1e-12)).toEqual([]);
  });

  it('maps the ends of [0, 1] to infinities and rejects p outside it', () => {
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
  });
});

describe('ewmaVolatility', () => {
  const returns = [0.01, -0.02, 0.015, 0.03, -0.005];

  it('seeds with the mean square of the first seedCount returns, then recurses', () => {
    // /usr/bin/python3 -c "import math; r=[0.01,-0.02,0.015,0.03,-0.005]; lam=0.94; v=(r[0]**2+r[1]**2)/2; out=[math.sqrt(v)]; out+=[math.sqrt(v:=lam*v+(1-lam)*x*x) for x in r[2:]]; print(out)"
    // -> [0.015811388300841896, 0.01576388277043445, 0.01695847870535562, 0.01648740731588809]
    const expected = [
      0.015811388300841896, 0.01576388277043445, 0.01695847870535562, 0.01648740731588809,
    ];
    const result = ewmaVolatility(returns, 0.94, 2);
    expect(result).toHaveLength(5);
    expect(result[0]).toBeNaN();
    expect(
      mismatches(
        result
          .slice(1)
          .map((a, i) => ({ what: `t=${i + 1}`, actual: a, expected: expected[i] ?? Number.NaN })),
        1e-14,
      ),
    ).toEqual([]);
  });

  it('with seedCount 1 starts at |r_0|', () => {
    // /usr/bin/python3 -c "import math; r=[0.01,-0.02,0.015,0.03,-0.005]; lam=0.9; v=r[0]**2; out=[math.sqrt(v)]; out+=[math.sqrt(v:=lam*v+(1-lam)*x*x) for x in r[1:]]; print(out)"
    // -> [0.01, 0.011401754250991379, 0.011811011811017716, 0.014681621163890587, 0.014017667423647916]
    const expected = [
      0.01, 0.011401754250991379, 0.011811011811017716, 0.014681621163890587, 0.014017667423647916,
    ];
    const result = ewmaVolatility(returns, 0.9, 1);
    expect(
      mismatches(
        result.map((a, i) => ({ what: `t=${i}`, actual: a, expected: expected[i] ?? Number.NaN })),
        1e-14,
      ),
    ).toEqual([]);
  });

  it('with fewer returns than seedCount only the last index has a value (the seed)', () => {
    // /usr/bin/python3 -c "import math; r=[0.01,-0.02,0.015,0.03,-0.005]; print(math.sqrt(sum(x*x for x in r)/len(r)))"
    // -> 0.01816590212458495
    const result = ewmaVolatility(returns);
    expect(result.slice(0, 4).every(Number.isNaN)).toBe(true);
    expectRelativelyClose(result[4] ?? Number.NaN, 0.01816590212458495, 1e-14);
    expect(ewmaVolatility([])).toEqual([]);
    expect(() => ewmaVolatility(returns, 1.5)).toThrow(RangeError);
  });
});
