import { performance, type PerformanceMetrics, type Trade } from '../strategy/engine/backtest';

/** One market's book series, to combine into an account's figures. */
export interface BookSeries {
  equity: { time: number; equity: number }[];
  trades: readonly Trade[];
  feesPaid: number;
  inMarket: number;
  candles: number;
}

/**
 * An account's figures from its markets' books: the equity summed at the candles every market
 * stepped, exposure the mean of the markets', Sharpe and the rest as a backtest computes them.
 */
export function combinedMetrics(
  books: readonly BookSeries[],
  startingCash: number,
  intervalMs: number,
): PerformanceMetrics {
  const sums = new Map<number, { equity: number; count: number }>();
  for (const book of books) {
    for (const point of book.equity) {
      const sum = sums.get(point.time) ?? { equity: 0, count: 0 };
      sum.equity += point.equity;
      sum.count++;
      sums.set(point.time, sum);
    }
  }
  const equity = [...sums]
    .filter(([, sum]) => sum.count === books.length)
    .sort(([a], [b]) => a - b)
    .map(([time, sum]) => ({ time, equity: sum.equity }));
  return performance({
    equity,
    trades: books.flatMap((book) => book.trades),
    feesPaid: books.reduce((total, book) => total + book.feesPaid, 0),
    inMarket: books.reduce((total, book) => total + book.inMarket, 0),
    candles: books.reduce((total, book) => total + book.candles, 0),
    startingCash,
    intervalMs,
  });
}
