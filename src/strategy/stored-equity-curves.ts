import type { BacktestResult } from './engine/backtest';

const MAX_EQUITY_POINTS = 2000;

/**
 * The strategy's and buy-and-hold's equity as stored: `[time, equity]` pairs at the same candles,
 * every n-th one (n so that at most `maxPoints` are taken) and always the last.
 */
export function storedEquityCurves(
  result: Pick<BacktestResult, 'equity' | 'buyAndHoldEquity'>,
  maxPoints = MAX_EQUITY_POINTS,
): { equity: [number, number][]; buyAndHoldEquity: [number, number][] } {
  const count = result.equity.length;
  const every = Math.max(1, Math.ceil(count / maxPoints));
  const kept = (_: unknown, i: number) => i % every === 0 || i === count - 1;
  const pairs = (points: { time: number; equity: number }[]) =>
    points.filter(kept).map((point) => [point.time, point.equity] as [number, number]);
  return { equity: pairs(result.equity), buyAndHoldEquity: pairs(result.buyAndHoldEquity) };
}
