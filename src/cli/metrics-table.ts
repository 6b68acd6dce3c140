import type { PerformanceMetrics } from '../strategy/engine/backtest';

/** One contender's figures as a table row (`backtest`, `paper show`). */
export function metricsRow(name: string, m: PerformanceMetrics): Record<string, string | number> {
  return {
    contender: name,
    'final equity': m.finalEquity.toFixed(2),
    'return %': (m.totalReturn * 100).toFixed(2),
    'CAGR %': (m.cagr * 100).toFixed(2),
    Sharpe: m.sharpe.toFixed(2),
    Sortino: m.sortino.toFixed(2),
    'max DD %': (m.maxDrawdown * 100).toFixed(2),
    trades: m.trades,
    'win %': m.winRate === null ? '-' : (m.winRate * 100).toFixed(1),
    'profit factor': m.profitFactor === null ? '-' : m.profitFactor.toFixed(2),
    'exposure %': (m.exposure * 100).toFixed(1),
    fees: m.feesPaid.toFixed(2),
  };
}
