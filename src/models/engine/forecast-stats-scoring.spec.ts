import { expectRelativelyClose, mismatches, reference } from './forecast-stats.fixtures';
import { quantileType7 } from './sample-statistics';
import {
  brierScore,
  intervalCoverage,
  logLoss,
  pinballLoss,
  reliabilityTable,
} from './scoring-rules';

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
