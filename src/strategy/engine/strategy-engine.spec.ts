import { join } from 'node:path';
import type { Candle } from '../../market-data/candle';
import { readCandleCsv } from '../../simulator/candle-series';
import { runBacktest } from './backtest';
import { conditionHolds, decide } from './rule-evaluation';
import {
  DEFAULT_STRATEGY,
  parseStrategyDefinition,
  StrategyDefinitionError,
  type StrategyDefinition,
} from './strategy-definition';
import { computeStrategyInputs } from './strategy-inputs';

const HOUR_MS = 3_600_000;

function candle(i: number, open: number, high: number, low: number, close: number): Candle {
  return {
    openTime: i * HOUR_MS,
    open,
    high,
    low,
    close,
    volume: 10,
    quoteVolume: null,
    tradeCount: null,
    takerBuyBaseVolume: null,
    takerBuyQuoteVolume: null,
  };
}

describe('rule conditions', () => {
  it('hold as defined for every condition type', () => {
    expect(conditionHolds({ op: '>', value: 1 }, 2, null)).toBe(true);
    expect(conditionHolds({ op: '>', value: 1 }, 1, null)).toBe(false);
    expect(conditionHolds({ op: '<', value: 1 }, 0.5, null)).toBe(true);
    expect(conditionHolds({ op: '<', value: 1 }, 1, null)).toBe(false);
    expect(conditionHolds({ op: 'between', min: 1, max: 2 }, 1, null)).toBe(true);
    expect(conditionHolds({ op: 'between', min: 1, max: 2 }, 2, null)).toBe(true);
    expect(conditionHolds({ op: 'between', min: 1, max: 2 }, 2.01, null)).toBe(false);
    expect(conditionHolds({ op: 'crossesAbove', value: 0 }, 0.1, -0.1)).toBe(true);
    expect(conditionHolds({ op: 'crossesAbove', value: 0 }, 0.2, 0.1)).toBe(false);
    expect(conditionHolds({ op: 'crossesAbove', value: 0 }, 0.1, null)).toBe(false);
    expect(conditionHolds({ op: 'crossesBelow', value: 0 }, -0.1, 0.1)).toBe(true);
    expect(conditionHolds({ op: 'crossesBelow', value: 0 }, -0.2, -0.1)).toBe(false);
    expect(conditionHolds({ op: '>', value: 1 }, null, 5)).toBe(false);
  });

  it('add up to a score scaled so that every bullish rule firing is +1, with thresholds and the confidence guard', () => {
    const definition = parseStrategyDefinition({
      rules: [
        { input: 'predictedReturn', condition: { op: '>', value: 0 }, weight: 0.5 },
        { input: 'probabilityUp', condition: { op: '>', value: 0.6 }, weight: 0.5 },
        { input: 'predictedReturn', condition: { op: '<', value: 0 }, weight: -1 },
      ],
      thresholds: { buy: 0.4, sell: -0.4 },
    });
    const inputs = new Map([
      ['predictedReturn', [0.01, 0.01, -0.02]],
      ['probabilityUp', [0.7, 0.55, 0.3]],
    ]);
    expect(decide(definition, inputs, 0)).toMatchObject({ action: 'BUY', score: 1 });
    expect(decide(definition, inputs, 1)).toMatchObject({ action: 'BUY', score: 0.5 });
    const sell = decide(definition, inputs, 2);
    expect(sell).toMatchObject({ action: 'SELL', score: -1, confidence: 1 });
    expect(sell.fired).toEqual([
      { label: 'predictedReturn < 0', input: 'predictedReturn', value: -0.02, weight: -1 },
    ]);
    const guarded = parseStrategyDefinition({ ...definition, guards: { minConfidence: 0.8 } });
    expect(decide(guarded, inputs, 1).action).toBe('HOLD');
  });
});

describe('strategy definitions', () => {
  it('are refused with every bad field named', () => {
    try {
      parseStrategyDefinition({
        rules: [
          { input: 'rsi', condition: { op: '<', value: 30 }, weight: 0.5 },
          { input: 'astrology', condition: { op: '>', value: 1 }, weight: 0.5 },
          { input: 'rsi', condition: { op: 'between', min: 70, max: 30 }, weight: 2 },
        ],
        thresholds: { buy: 1.5, sell: -0.3 },
        extra: true,
      });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(StrategyDefinitionError);
      const fields = (error as StrategyDefinitionError).problems.map((p) => p.field);
      expect(fields).toEqual(
        expect.arrayContaining([
          'rules[1].input',
          'rules[2].condition',
          'rules[2].weight',
          'thresholds.buy',
        ]),
      );
      expect(fields.some((f) => f === 'strategy' || f === '')).toBe(true);
    }
  });

  it('ship a valid default', () => {
    expect(DEFAULT_STRATEGY.rules.length).toBeGreaterThan(4);
  });
});

describe('decisions on real candles', () => {
  const candles = readCandleCsv(
    join(
      __dirname,
      '..',
      '..',
      '..',
      'test',
      'fixtures',
      'klines',
      'BTCUSDT-1h-2022-08-20_2022-09-30.csv',
    ),
  );
  const rulesOnly: StrategyDefinition = parseStrategyDefinition({
    rules: DEFAULT_STRATEGY.rules.filter((r) => r.input !== 'predictedReturn'),
    thresholds: { buy: 0.3, sell: -0.3 },
  });

  it('do not look ahead: changing candles after a decision does not change it', () => {
    const at = 600;
    const inputs = computeStrategyInputs({ definition: rulesOnly, candles });
    const changed = candles.map((c, i) =>
      i > at ? { ...c, close: c.close * 2, high: c.high * 2 } : c,
    );
    const changedInputs = computeStrategyInputs({ definition: rulesOnly, candles: changed });
    for (let i = 0; i <= at; i++) {
      expect(decide(rulesOnly, changedInputs, i)).toEqual(decide(rulesOnly, inputs, i));
    }
  });
});

describe('backtests', () => {
  // A hand-made hour series: up from 100 to 110, then a drop.
  const candles = [
    candle(0, 100, 101, 99, 100),
    candle(1, 100, 106, 100, 105),
    candle(2, 106, 111, 105, 110),
    candle(3, 110, 111, 100, 102),
    candle(4, 101, 103, 99, 100),
  ];

  it('fill at the next open with fees, and report what a hand calculation gives', () => {
    const result = runBacktest({
      candles,
      decisions: ['BUY', 'HOLD', 'SELL', 'HOLD', 'HOLD'],
      startingCash: 1000,
      feeRate: 0.001,
      slippage: 0,
      sizing: { kind: 'all-in' },
      intervalMs: HOUR_MS,
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
      candles: dropping,
      decisions: ['BUY', 'HOLD', 'HOLD', 'HOLD', 'HOLD'],
      startingCash: 1000,
      feeRate: 0.001,
      slippage: 0,
      sizing: { kind: 'all-in' },
      stopLoss: 0.05,
      intervalMs: HOUR_MS,
    });
    // Entry 100, stop 95 touched in candle 3 (low 94): 9.99 x 95 = 949.05, fee 0.94905.
    expect(stopped.trades[0]).toMatchObject({ exitReason: 'stop-loss', exitPrice: 95 });
    expect(stopped.metrics.finalEquity).toBeCloseTo(949.05 - 0.94905, 9);
    const slipped = runBacktest({
      candles,
      decisions: ['BUY', 'SELL', 'BUY', 'SELL', 'HOLD'],
      startingCash: 1000,
      feeRate: 0,
      slippage: 0.01,
      sizing: { kind: 'fraction', fraction: 0.5 },
      cooldownCandles: 1,
      intervalMs: HOUR_MS,
    });
    // Half the cash at candle 1's open, 101 (100 + 1%); the SELL of candle 1 falls in the cooldown;
    // the BUY of candle 2 is ignored (long already); the SELL of candle 3 fills at candle 4's open,
    // 101 - 1% = 99.99.
    expect(slipped.trades).toHaveLength(1);
    expect(slipped.trades[0]!.entryPrice).toBeCloseTo(101, 12);
    expect(slipped.trades[0]!.exitPrice).toBeCloseTo(99.99, 12);
    expect(slipped.metrics.finalEquity).toBeCloseTo(500 + (500 / 101) * 99.99, 9);
  });
});
