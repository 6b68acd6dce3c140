import { DEFAULT_FEATURES } from './feature-spec';
import { bestTrial, drawFeatureSets, planTrials } from './model-search';
import { DEFAULT_SEARCH_SPACE, SearchSpaceError, resolveSearchSpace } from './model-search-space';

describe('search planning', () => {
  it('draws the same trials from the same seed, kinds in turn, every value inside its domain', () => {
    const { kinds, space } = resolveSearchSpace({
      kinds: ['linear', 'lstm'],
      space: { lstm: { units: [8, 16], learningRate: { min: 0.001, max: 0.01, log: true } } },
    });
    const plan = planTrials({ kinds, space, trials: 20, seed: 9 });
    expect(planTrials({ kinds, space, trials: 20, seed: 9 })).toEqual(plan);
    expect(planTrials({ kinds, space, trials: 20, seed: 10 })).not.toEqual(plan);
    expect(plan.map((trial) => trial.kind)).toEqual(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? 'lstm' : 'linear')),
    );
    for (const trial of plan.filter((t) => t.kind === 'lstm')) {
      expect([8, 16]).toContain(trial.params.units);
      expect(trial.params.learningRate).toBeGreaterThanOrEqual(0.001);
      expect(trial.params.learningRate).toBeLessThanOrEqual(0.01);
      // Not named in the request's lstm space: the default.
      expect(trial.params.lookback).toBe(24);
    }
    for (const trial of plan.filter((t) => t.kind === 'linear')) {
      expect(DEFAULT_SEARCH_SPACE.linear.lookback).toContain(trial.params.lookback);
      expect(trial.params.l2).toBeGreaterThanOrEqual(0.01);
      expect(trial.params.l2).toBeLessThanOrEqual(1000);
    }
    // A log range spreads over its decades: both ends of 0.001-0.01 are reached in 10 draws.
    const rates = plan.filter((t) => t.kind === 'lstm').map((t) => t.params.learningRate);
    expect(Math.min(...rates)).toBeLessThan(0.003);
    expect(Math.max(...rates)).toBeGreaterThan(0.003);
  });

  it('names every bad kind, parameter and value', () => {
    let problems: { field: string; problem: string }[] = [];
    try {
      resolveSearchSpace({
        kinds: ['lstm', 'svm'],
        space: {
          lstm: { units: [0, 8], wings: [1], learningRate: { min: 0.1, max: 0.01 } },
          forest: {},
          gru: { dropout: { min: 0, max: 0.5, log: true } },
        },
      });
    } catch (error) {
      expect(error).toBeInstanceOf(SearchSpaceError);
      problems = (error as SearchSpaceError).problems;
    }
    expect(problems.map((p) => p.field).sort()).toEqual([
      'kinds',
      'space.forest',
      'space.gru.dropout',
      'space.lstm.learningRate',
      'space.lstm.units',
      'space.lstm.wings',
    ]);
  });

  it('draws the inputs of each trial from the candidate lists, seeded, parameters as before', () => {
    const context = { market: 'ETH', otherMarkets: ['BTC', 'ETH'] };
    const plain = resolveSearchSpace({ kinds: ['linear'] });
    // Without candidates: one, the default inputs.
    expect(plain.features).toEqual([[...DEFAULT_FEATURES]]);
    const withInputs = resolveSearchSpace({
      kinds: ['linear'],
      features: [
        ['logReturn', 'rsi'],
        ['logReturn', 'rsi', 'btc/logReturn', 'ema:50'],
      ],
      featureContext: context,
    });
    expect(withInputs.features).toEqual([
      ['logReturn', 'rsi'],
      ['logReturn', 'rsi', 'BTC/logReturn', 'ema:50.value'],
    ]);
    const plan = planTrials({ ...withInputs, trials: 12, seed: 4 });
    expect(planTrials({ ...withInputs, trials: 12, seed: 4 })).toEqual(plan);
    // Both candidates are drawn, and the parameters are those of a search without candidates.
    expect(new Set(plan.map((trial) => trial.features.length))).toEqual(new Set([2, 4]));
    expect(plan.map((trial) => trial.params)).toEqual(
      planTrials({ ...plain, trials: 12, seed: 4 }).map((trial) => trial.params),
    );
    // A stored request gives each trial's inputs again.
    expect(drawFeatureSets({ features: withInputs.features, trials: 12, seed: 4 })).toEqual(
      plan.map((trial) => trial.features),
    );
  });

  it('names every bad candidate input list and entry', () => {
    const fields = (features: unknown) => {
      try {
        resolveSearchSpace({ features, featureContext: { market: 'ETH', otherMarkets: ['BTC'] } });
      } catch (error) {
        return (error as SearchSpaceError).problems.map((p) => p.field);
      }
      return [];
    };
    expect(fields([])).toEqual(['features']);
    expect(fields('rsi')).toEqual(['features']);
    expect(fields([['rsi'], 'rsi', ['rsi', 'vibes', 'ETH/logReturn'], ['RSI']])).toEqual([
      'features[1]',
      'features[2][1]',
      'features[2][2]',
      'features[3]',
    ]);
  });

  it('picks the lowest score, the earliest on a tie, and skips failed trials', () => {
    expect(
      bestTrial([
        { index: 0, score: null },
        { index: 1, score: 0.99 },
        { index: 2, score: 0.98 },
        { index: 3, score: 0.98 },
      ])?.index,
    ).toBe(2);
    expect(bestTrial([{ index: 0, score: null }])).toBeUndefined();
  });
});
