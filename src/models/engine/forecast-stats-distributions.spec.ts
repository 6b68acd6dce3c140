import { ewmaVolatility } from './ewma-volatility';
import { expectRelativelyClose, mismatches, reference } from './forecast-stats.fixtures';
import { normalCdf, normalQuantile, studentTCdf } from './probability-distributions';

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
