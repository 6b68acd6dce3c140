import { candleOf } from '../../indicators/engine/fixtures/candle-fixture';
import type { Candle } from '../../market-data/candle';
import { Book, entryFraction, runBacktest, type BookState, type Trade } from './backtest';
import { HOUR_MS, readBtcHourCandles } from '../../simulator/candle-series.fixtures';

function candle(i: number, open: number, high: number, low: number, close: number): Candle {
  return candleOf({ openTime: i * HOUR_MS, open, high, low, close, volume: 10 });
}

describe('backtests', () => {
  // A hand-made hour series: up from 100 to 110, then a drop.
  const candles = [
    candle(0, 100, 101, 99, 100),
    candle(1, 100, 106, 100, 105),
    candle(2, 106, 111, 105, 110),
    candle(3, 110, 111, 100, 102),
    candle(4, 101, 103, 99, 100),
  ];
  /** The terms most cases share: 1,000 in cash, a 0.1% fee, no slippage, all in. */
  const terms = {
    candles,
    startingCash: 1000,
    feeRate: 0.001,
    slippage: 0,
    sizing: { kind: 'all-in' } as const,
    intervalMs: HOUR_MS,
  };

  it('fill at the next open with fees, and report what a hand calculation gives', () => {
    const result = runBacktest({
      ...terms,
      decisions: ['BUY', 'HOLD', 'SELL', 'HOLD', 'HOLD'],
    });
    // Buy at candle 1's open (100): fee 1, 9.99 BTC. Sell at candle 3's open (110): 1098.9, fee 1.0989.
    expect(result.trades).toHaveLength(1);
    const [trade] = result.trades;
    expect(trade!.quantity).toBeCloseTo(9.99, 12);
    expect(trade!.entryTime).toBe(1 * HOUR_MS);
    expect(trade!.exitTime).toBe(3 * HOUR_MS);
    expect(trade!.fees).toBeCloseTo(2.0989, 10);
    expect(trade!.profit).toBeCloseTo(97.8011, 10);
    expect(result.equity.map((e) => e.equity)).toEqual([
      1000,
      expect.closeTo(1048.95, 9),
      expect.closeTo(1098.9, 9),
      expect.closeTo(1097.8011, 9),
      expect.closeTo(1097.8011, 9),
    ]);
    expect(result.metrics.finalEquity).toBeCloseTo(1097.8011, 9);
    expect(result.metrics.totalReturn).toBeCloseTo(0.0978011, 9);
    expect(result.metrics.maxDrawdown).toBeCloseTo(1 - 1097.8011 / 1098.9, 12);
    expect(result.metrics.feesPaid).toBeCloseTo(2.0989, 10);
    expect(result.metrics.exposure).toBeCloseTo(2 / 5, 12);
    expect(result.metrics.winRate).toBe(1);
    // Sharpe and Sortino from the hourly equity returns, annualised by sqrt(8,766 hours a year).
    const returns = [0, 0.04895, 1098.9 / 1048.95 - 1, 1097.8011 / 1098.9 - 1, 0];
    const mean = returns.reduce((a, b) => a + b, 0) / 5;
    const std = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / 5);
    const downside = Math.sqrt((1097.8011 / 1098.9 - 1) ** 2 / 5);
    expect(result.metrics.sharpe).toBeCloseTo((mean / std) * Math.sqrt(8766), 6);
    expect(result.metrics.sortino).toBeCloseTo((mean / downside) * Math.sqrt(8766), 6);
    // Buy and hold: 9.99 BTC from candle 0's open, sold at the last close (100) less 0.1%.
    expect(result.buyAndHold.finalEquity).toBeCloseTo(998.001, 9);
    expect(result.buyAndHold.feesPaid).toBeCloseTo(1.999, 9);
  });

  it('stops out at the stop price, with slippage on signal fills, and respects the cooldown', () => {
    const dropping = [
      ...candles.slice(0, 3),
      candle(3, 110, 111, 94, 96),
      candle(4, 96, 97, 90, 91),
    ];
    const stopped = runBacktest({
      ...terms,
      candles: dropping,
      decisions: ['BUY', 'HOLD', 'HOLD', 'HOLD', 'HOLD'],
      stopLoss: 0.05,
    });
    // Entry 100, stop 95 touched in candle 3 (low 94): 9.99 x 95 = 949.05, fee 0.94905.
    expect(stopped.trades[0]).toMatchObject({ exitReason: 'stop-loss', exitPrice: 95 });
    expect(stopped.metrics.finalEquity).toBeCloseTo(949.05 - 0.94905, 9);
    const slipped = runBacktest({
      ...terms,
      decisions: ['BUY', 'SELL', 'BUY', 'SELL', 'HOLD'],
      feeRate: 0,
      slippage: 0.01,
      sizing: { kind: 'fraction', fraction: 0.5 },
      cooldownCandles: 1,
    });
    // Half the cash at candle 1's open, 101 (100 + 1%); the SELL of candle 1 falls in the cooldown;
    // the BUY of candle 2 is ignored (long already); the SELL of candle 3 fills at candle 4's open,
    // 101 - 1% = 99.99.
    expect(slipped.trades).toHaveLength(1);
    expect(slipped.trades[0]!.entryPrice).toBeCloseTo(101, 12);
    expect(slipped.trades[0]!.exitPrice).toBeCloseTo(99.99, 12);
    expect(slipped.metrics.finalEquity).toBeCloseTo(500 + (500 / 101) * 99.99, 9);
  });

  it('size entries by predicted volatility: target / predicted at the decision candle, capped', () => {
    const result = runBacktest({
      ...terms,
      decisions: ['BUY', 'HOLD', 'SELL', 'BUY', 'HOLD'],
      sizing: { kind: 'volatility', targetVolatility: 0.01, maxFraction: 0.8 },
      // Predicted one-candle volatility at each close.
      volatility: [0.02, 0.025, 0.01, 0.01, 0.01],
    });
    expect(result.trades).toHaveLength(2);
    const [first, second] = result.trades;
    // Trade 1, decided at candle 0 (volatility 0.02): fraction min(0.8, 0.01 / 0.02) = 0.5 of
    // 1000 = 500 spent at candle 1's open (100); fee 500 x 0.001 = 0.5; quantity 499.5 / 100 =
    // 4.995; cash left 500. Equity: candle 1 500 + 4.995 x 105 = 1024.475, candle 2 500 + 4.995 x
    // 110 = 1049.45. The SELL of candle 2 fills at candle 3's open (110): 549.45, fee 0.54945;
    // cash 500 + 549.45 - 0.54945 = 1048.90055; profit 549.45 - 0.54945 - 500 = 48.90055.
    expect(first!.quantity).toBeCloseTo(4.995, 12);
    expect(first!.fees).toBeCloseTo(0.5 + 0.54945, 12);
    expect(first!.profit).toBeCloseTo(48.90055, 10);
    expect(first!.returnPct).toBeCloseTo(48.90055 / 500, 12);
    // Trade 2, decided at candle 3 (volatility 0.01): 0.01 / 0.01 = 1, capped at 0.8 of
    // 1048.90055 = 839.12044 spent at candle 4's open (101); fee 0.83912044; quantity
    // (839.12044 - 0.83912044) / 101 = 838.28131956 / 101 = 8.29981504514851; cash left
    // 1048.90055 - 839.12044 = 209.78011. Closed at the last close (100): proceeds
    // 829.981504514851, fee 0.829981504514851.
    expect(second!.entryPrice).toBe(101);
    expect(second!.quantity).toBeCloseTo(838.28131956 / 101, 12);
    expect(second!.fees).toBeCloseTo(0.83912044 + 0.829981504514851, 12);
    expect(second!.exitReason).toBe('end');
    // Final equity: 209.78011 + 829.981504514851 - 0.829981504514851 = 1038.931633010336.
    expect(result.equity.map((e) => e.equity)).toEqual([
      1000,
      expect.closeTo(1024.475, 9),
      expect.closeTo(1049.45, 9),
      expect.closeTo(1048.90055, 9),
      expect.closeTo(1038.931633010336, 9),
    ]);
    expect(result.metrics.finalEquity).toBeCloseTo(1038.931633010336, 9);
    // Fees: 0.5 + 0.54945 + 0.83912044 + 0.829981504514851.
    expect(result.metrics.feesPaid).toBeCloseTo(2.718551944514851, 10);
  });

  it('skip an entry volatility sizing cannot size, and refuse to run without the volatility', () => {
    const sizing = { kind: 'volatility', targetVolatility: 0.01 } as const;
    expect(entryFraction(sizing, 0.005)).toBe(1);
    expect(entryFraction(sizing, 0.04)).toBe(0.25);
    expect(entryFraction(sizing, null)).toBe(0);
    const unsized = runBacktest({
      ...terms,
      decisions: ['BUY', 'HOLD', 'HOLD', 'HOLD', 'HOLD'],
      sizing,
      volatility: [null, 0.01, 0.01, 0.01, 0.01],
    });
    expect(unsized.trades).toHaveLength(0);
    expect(unsized.metrics.finalEquity).toBe(1000);
    expect(() =>
      runBacktest({
        ...terms,
        decisions: ['BUY', 'HOLD', 'HOLD', 'HOLD', 'HOLD'],
        sizing,
      }),
    ).toThrow(RangeError);
  });

  it('a book restored from its stored state every candle fills exactly as the replay', () => {
    const real = readBtcHourCandles();
    const actions = ['BUY', 'HOLD', 'SELL', 'HOLD'] as const;
    const decisions = real.map((_, i) => actions[(i * 7 + (i >> 3)) % 4]!);
    const volatility = real.map((_, i) => (i % 11 === 0 ? null : 0.004 + (i % 5) * 0.002));
    const rules = {
      feeRate: 0.001,
      slippage: 0.0005,
      sizing: { kind: 'volatility', targetVolatility: 0.005, maxFraction: 0.9 } as const,
      stopLoss: 0.01,
      takeProfit: 0.015,
      cooldownCandles: 2,
    };
    const replay = runBacktest({
      ...rules,
      candles: real,
      decisions,
      volatility,
      startingCash: 5000,
      intervalMs: HOUR_MS,
    });
    // A paper account's way: one candle per step, the state through JSON (as PostgreSQL keeps it).
    let state: BookState = Book.opened(rules, 5000).state;
    const trades: Trade[] = [];
    const equity: number[] = [];
    real.forEach((c, i) => {
      const book = new Book(rules, JSON.parse(JSON.stringify(state)) as BookState);
      const fills = book.step(
        c,
        i > 0 ? decisions[i - 1]! : 'HOLD',
        i > 0 ? volatility[i - 1]! : null,
      );
      if (i === real.length - 1) {
        const closing = book.close(c.openTime, c.close);
        fills.push(...(closing ? [closing] : []));
      }
      trades.push(...fills.flatMap((fill) => (fill.side === 'SELL' ? [fill.trade] : [])));
      equity.push(book.equity(c.close));
      state = book.state;
    });
    expect(replay.trades.length).toBeGreaterThan(10);
    expect([...new Set(replay.trades.map((t) => t.exitReason))]).toEqual(
      expect.arrayContaining(['signal', 'stop-loss', 'take-profit']),
    );
    expect(trades).toEqual(replay.trades);
    expect(equity).toEqual(replay.equity.map((point) => point.equity));
  });
});
