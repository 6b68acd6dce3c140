import { storedEquityCurves } from './stored-equity-curves';

const HOUR_MS = 3_600_000;

function curve(count: number, value: (i: number) => number) {
  return Array.from({ length: count }, (_, i) => ({ time: i * HOUR_MS, equity: value(i) }));
}

describe('stored equity curves', () => {
  it('keep every point of short curves, as [time, equity] pairs', () => {
    const stored = storedEquityCurves({
      equity: curve(3, (i) => 100 + i),
      buyAndHoldEquity: curve(3, (i) => 200 - i),
    });
    expect(stored.equity).toEqual([
      [0, 100],
      [HOUR_MS, 101],
      [2 * HOUR_MS, 102],
    ]);
    expect(stored.buyAndHoldEquity).toEqual([
      [0, 200],
      [HOUR_MS, 199],
      [2 * HOUR_MS, 198],
    ]);
  });

  it('thin both curves at the same candles, keeping the last', () => {
    // 10 points, at most 4: every 3rd (0, 3, 6, 9).
    const stored = storedEquityCurves(
      { equity: curve(10, (i) => i), buyAndHoldEquity: curve(10, (i) => 1000 + i) },
      4,
    );
    expect(stored.equity.map(([time]) => time / HOUR_MS)).toEqual([0, 3, 6, 9]);
    expect(stored.buyAndHoldEquity).toEqual([
      [0, 1000],
      [3 * HOUR_MS, 1003],
      [6 * HOUR_MS, 1006],
      [9 * HOUR_MS, 1009],
    ]);
    // 11 points, at most 4: every 3rd and the last (0, 3, 6, 9, 10).
    const odd = storedEquityCurves(
      { equity: curve(11, (i) => i), buyAndHoldEquity: curve(11, (i) => i) },
      4,
    );
    expect(odd.buyAndHoldEquity.map(([time]) => time / HOUR_MS)).toEqual([0, 3, 6, 9, 10]);
  });
});
