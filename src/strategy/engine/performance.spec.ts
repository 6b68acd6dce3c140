import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from './backtest';

const HOUR_MS = 3_600_000;

interface Case {
  name: string;
  startingCash: number;
  equity: number[];
  totalReturn: number;
  cagr: number;
  sharpe: number;
  sortino: number;
  maxDrawdown: number;
}

/** `scripts/fixtures/performance.py`: the same figures computed with pandas. */
const reference = JSON.parse(
  readFileSync(
    join(__dirname, '..', '..', '..', 'test', 'fixtures', 'performance', 'reference.json'),
    'utf8',
  ),
) as { generator: string; cases: Case[] };

describe(`performance metrics against ${reference.generator}`, () => {
  it.each(reference.cases.map((c) => [c.name, c] as const))(
    '%s: return, CAGR, Sharpe, Sortino and maximum drawdown',
    (_name, c) => {
      const metrics = performance({
        equity: c.equity.map((equity, i) => ({ time: i * HOUR_MS, equity })),
        trades: [],
        feesPaid: 0,
        inMarket: 0,
        candles: c.equity.length,
        startingCash: c.startingCash,
        intervalMs: HOUR_MS,
      });
      expect(metrics.totalReturn).toBeCloseTo(c.totalReturn, 12);
      expect(metrics.cagr).toBeCloseTo(c.cagr, 10);
      expect(metrics.sharpe).toBeCloseTo(c.sharpe, 9);
      expect(metrics.sortino).toBeCloseTo(c.sortino, 9);
      expect(metrics.maxDrawdown).toBeCloseTo(c.maxDrawdown, 12);
    },
  );
});
