import { candleOf } from '../../indicators/engine/fixtures/candle-fixture';
import type { Candle } from '../../market-data/candle';
import { runBacktest } from './backtest';
import type { Action } from './rule-evaluation';
import { HOUR_MS } from '../../simulator/candle-series.fixtures';

function candle(i: number, open: number, close: number): Candle {
  const [high, low] = [Math.max(open, close), Math.min(open, close)];
  return candleOf({ openTime: i * HOUR_MS, open, high, low, close, volume: 10 });
}

const hold = (count: number): Action[] => Array.from({ length: count }, () => 'HOLD');

describe("buy-and-hold's equity curve", () => {
  it('buys at the first open (slippage, entry fee), marks every close, sells at the last close less the fee', () => {
    const candles = [candle(0, 100, 110), candle(1, 110, 121), candle(2, 121, 99)];
    const result = runBacktest({
      candles,
      decisions: hold(3),
      startingCash: 1000,
      feeRate: 0.001,
      slippage: 0.002,
      sizing: { kind: 'all-in' },
      intervalMs: HOUR_MS,
    });
    // By hand: 1,000 less a 1.00 fee buys 999 / (100 × 1.002) = 9.97006 coins.
    expect(result.buyAndHoldEquity.map((point) => point.time)).toEqual(
      result.equity.map((point) => point.time),
    );
    const values = result.buyAndHoldEquity.map((point) => point.equity);
    expect(values[0]).toBeCloseTo(1096.7065868263473, 9);
    expect(values[1]).toBeCloseTo(1206.377245508982, 9);
    expect(values[2]).toBeCloseTo(986.0488922155688, 9);
    // Between the first and the last point it follows close / first close.
    expect(values[1]! / values[0]!).toBeCloseTo(121 / 110, 12);
    expect(result.buyAndHold.finalEquity).toBe(values[2]);
  });

  it('starts at the starting cash without costs when the first candle closes at its open', () => {
    const candles = [candle(0, 200, 200), candle(1, 200, 150), candle(2, 150, 260)];
    const result = runBacktest({
      candles,
      decisions: hold(3),
      startingCash: 5000,
      feeRate: 0,
      slippage: 0,
      sizing: { kind: 'all-in' },
      intervalMs: HOUR_MS,
    });
    expect(result.buyAndHoldEquity.map((point) => point.equity)).toEqual([5000, 3750, 6500]);
  });

  it('charges the entry fee as an all-in strategy entry does', () => {
    const candles = [
      candle(0, 100, 101),
      candle(1, 102, 104),
      candle(2, 103, 98),
      candle(3, 99, 107),
    ];
    const fill = {
      startingCash: 1000,
      feeRate: 0.0025,
      slippage: 0.001,
      sizing: { kind: 'all-in' } as const,
      intervalMs: HOUR_MS,
    };
    // Bought at candle 1's open by a BUY at candle 0's close, held to the end...
    const strategy = runBacktest({
      ...fill,
      candles,
      decisions: ['BUY', 'HOLD', 'HOLD', 'HOLD'],
    });
    // ...is buy-and-hold over the candles from candle 1 on.
    const holding = runBacktest({ ...fill, candles: candles.slice(1), decisions: hold(3) });
    expect(holding.buyAndHoldEquity).toHaveLength(3);
    holding.buyAndHoldEquity.forEach((point, i) => {
      expect(point.time).toBe(strategy.equity[i + 1]!.time);
      expect(point.equity).toBeCloseTo(strategy.equity[i + 1]!.equity, 9);
    });
  });
});
