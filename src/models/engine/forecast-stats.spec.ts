import { dieboldMariano } from './diebold-mariano';
import {
  expectRelativelyClose,
  mismatches,
  reference,
  seriesOf,
  type DmCase,
} from './forecast-stats.fixtures';

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
