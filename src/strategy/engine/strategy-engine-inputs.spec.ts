import { decide } from './rule-evaluation';
import {
  DEFAULT_STRATEGY,
  MODEL_INPUTS,
  parseStrategyDefinition,
  type StrategyDefinition,
} from './strategy-definition';
import { HOUR_MS, readBtcHourCandles } from '../../simulator/candle-series.fixtures';
import {
  computeStrategyInputs,
  predictedVolatilities,
  type PredictionInput,
} from './strategy-inputs';

describe('decisions on real candles', () => {
  const candles = readBtcHourCandles();
  const rulesOnly: StrategyDefinition = parseStrategyDefinition({
    rules: DEFAULT_STRATEGY.rules.filter((r) => !MODEL_INPUTS.includes(r.input)),
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

  const reading = parseStrategyDefinition({
    rules: [
      { input: 'expectedEdge', condition: { op: '>', value: 0 }, weight: 1 },
      { input: 'predictedVolatility', condition: { op: '<', value: 0.01 }, weight: -1 },
    ],
  });

  it('read the expected edge as the predicted return less a round trip of fee and slippage', () => {
    const predictions = new Map<number, PredictionInput>([
      [
        candles[10]!.openTime,
        { openTime: candles[10]!.openTime, predictedReturn: 0.005, probabilityUp: 0.6 },
      ],
    ]);
    // Live: the strategy's costs (default fee 0.1%, no slippage): 0.005 - 2 x 0.001.
    const live = computeStrategyInputs({ definition: reading, candles, predictions });
    expect(live.get('expectedEdge')![10]).toBeCloseTo(0.003, 15);
    expect(live.get('expectedEdge')![11]).toBeNull();
    // A backtest's own: 0.005 - 2 x 0.00075 - 2 x 0.0005.
    const backtest = computeStrategyInputs({
      definition: reading,
      candles,
      predictions,
      costs: { feeRate: 0.00075, slippage: 0.0005 },
    });
    expect(backtest.get('expectedEdge')![10]).toBeCloseTo(0.0025, 15);
  });

  it("read the predicted volatility from the forecast, else the candles' EWMA volatility, without look-ahead", () => {
    // RiskMetrics by hand: sigma^2 seeded with the mean square of the first 30 one-candle log
    // returns (known at candle 30), then sigma^2 = 0.94 sigma^2 + 0.06 r^2 at each close.
    const returns = candles.slice(1).map((c, i) => Math.log(c.close / candles[i]!.close));
    const expected: (number | null)[] = [null];
    let variance = returns.slice(0, 30).reduce((sum, r) => sum + r * r, 0) / 30;
    returns.forEach((r, i) => {
      if (i >= 30) {
        variance = 0.94 * variance + 0.06 * r * r;
      }
      expected.push(i >= 29 ? Math.sqrt(variance) : null);
    });
    const openTime = candles[100]!.openTime;
    const predictions = new Map<number, PredictionInput>([
      [openTime, { openTime, predictedReturn: 0, probabilityUp: 0.5, volatility: 0.0123 }],
    ]);
    const column = computeStrategyInputs({ definition: reading, candles, predictions }).get(
      'predictedVolatility',
    )!;
    expect(column[100]).toBe(0.0123);
    for (const i of [0, 29, 30, 31, 99, 101, 500, candles.length - 1]) {
      if (expected[i] === null) {
        expect(column[i]).toBeNull();
      } else {
        expect(column[i]).toBeCloseTo(expected[i]!, 14);
      }
    }
    expect(predictedVolatilities({ definition: reading, candles, predictions })).toEqual(column);
    // A prediction whose model is too old is not read: the EWMA stands in.
    const guarded = parseStrategyDefinition({ ...reading, guards: { maxModelAgeMs: HOUR_MS } });
    const stale = new Map([[openTime, { ...predictions.get(openTime)!, trainedAt: 0 }]]);
    const staleInputs = computeStrategyInputs({ definition: guarded, candles, predictions: stale });
    expect(staleInputs.get('predictedVolatility')![100]).toBeCloseTo(expected[100]!, 14);
    expect(staleInputs.get('expectedEdge')![100]).toBeNull();
    // Later candles do not move it.
    const changed = candles.map((c, i) => (i > 300 ? { ...c, close: c.close * 3 } : c));
    const changedColumn = computeStrategyInputs({ definition: reading, candles: changed }).get(
      'predictedVolatility',
    )!;
    expect(changedColumn.slice(0, 301)).toEqual(
      computeStrategyInputs({ definition: reading, candles })
        .get('predictedVolatility')!
        .slice(0, 301),
    );
  });
});
