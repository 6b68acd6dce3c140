import { entryFraction } from './backtest';
import { conditionHolds, decide } from './rule-evaluation';
import {
  DEFAULT_STRATEGY,
  MODEL_INPUTS,
  needsModel,
  parseStrategyDefinition,
  StrategyDefinitionError,
} from './strategy-definition';

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

  /** The problems of a definition that must be refused. */
  const problemsOf = (input: unknown) => {
    try {
      parseStrategyDefinition(input);
    } catch (error) {
      if (error instanceof StrategyDefinitionError) {
        return error.problems;
      }
      throw error;
    }
    throw new Error('accepted');
  };
  const rules = [{ input: 'rsi', condition: { op: '<', value: 30 }, weight: 1 }];

  it('take costs (defaults 0.1% fee, no slippage) and a sizing, refused naming the field', () => {
    const plain = parseStrategyDefinition({ rules });
    expect(plain.costs).toEqual({ feeRate: 0.001, slippage: 0 });
    expect(plain.sizing).toBeUndefined();
    const sized = parseStrategyDefinition({
      rules,
      costs: { feeRate: 0.00075 },
      sizing: { kind: 'volatility', targetVolatility: 0.01, maxFraction: 0.5 },
    });
    expect(sized.costs).toEqual({ feeRate: 0.00075, slippage: 0 });
    expect(sized.sizing).toEqual({ kind: 'volatility', targetVolatility: 0.01, maxFraction: 0.5 });
    expect(problemsOf({ rules, sizing: { kind: 'volatility', targetVolatility: -1 } })).toEqual([
      { field: 'sizing.targetVolatility', problem: 'must be in (0, 1]' },
    ]);
    expect(problemsOf({ rules, sizing: { kind: 'fraction', fraction: 1.5 } })).toEqual([
      { field: 'sizing.fraction', problem: 'must be in (0, 1]' },
    ]);
    expect(problemsOf({ rules, sizing: { kind: 'kelly' } })[0]!.field).toBe('sizing.kind');
    expect(problemsOf({ rules, costs: { feeRate: -0.001 } })).toEqual([
      { field: 'costs.feeRate', problem: 'must be in [0, 0.1]' },
    ]);
  });

  it('need a model when a rule reads the expected edge, not for the predicted volatility', () => {
    expect(MODEL_INPUTS).toEqual(['predictedReturn', 'probabilityUp', 'expectedEdge']);
    const reading = (input: string) =>
      parseStrategyDefinition({ rules: [{ input, condition: { op: '>', value: 0 }, weight: 1 }] });
    expect(needsModel(reading('expectedEdge'))).toBe(true);
    expect(needsModel(reading('predictedVolatility'))).toBe(false);
    expect(needsModel(DEFAULT_STRATEGY)).toBe(true);
  });
});

describe('the default strategy', () => {
  it('reads the model and sizes its backtests by predicted volatility', () => {
    expect(needsModel(DEFAULT_STRATEGY)).toBe(true);
    expect(DEFAULT_STRATEGY.sizing).toEqual({ kind: 'volatility', targetVolatility: 0.005 });
    // At 1% predicted volatility a candle it invests half the equity, at 0.25% all of it.
    expect(entryFraction(DEFAULT_STRATEGY.sizing!, 0.01)).toBe(0.5);
    expect(entryFraction(DEFAULT_STRATEGY.sizing!, 0.0025)).toBe(1);
  });
});
