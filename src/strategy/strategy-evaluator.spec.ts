import { cachedForecast } from '../models/live/cached-prediction.fixtures';
import type { CachedHorizon, CachedPrediction } from '../models/live/prediction.cache';
import { predictionInput } from './strategy-evaluator';

function horizon(h: number, volatility: number): CachedHorizon {
  return {
    horizon: h,
    targetTime: h * 3_600_000,
    predictedReturn: 0.001 * h,
    predictedClose: 100,
    median: 0,
    lower: -0.01,
    upper: 0.01,
    lowerClose: 99,
    upperClose: 101,
    volatility,
    probabilityUp: 0.55,
    shrinkage: 0.2,
    test: null,
  };
}

function served(horizons: CachedHorizon[]): CachedPrediction {
  return cachedForecast({
    openTime: 0,
    horizon: horizons[0]?.horizon ?? 1,
    lastClose: 100,
    predictedClose: 100.1,
    predictedReturn: 0.001,
    probabilityUp: 0.55,
    horizons,
    modelVersionId: 'v1',
    trainedAt: -3_600_000,
    computedAt: 0,
  });
}

describe('live predictions as strategies read them', () => {
  it("carry the shortest horizon's volatility per candle", () => {
    expect(predictionInput(served([horizon(1, 0.006), horizon(24, 0.03)]))).toEqual({
      openTime: 0,
      predictedReturn: 0.001,
      probabilityUp: 0.55,
      volatility: 0.006,
      trainedAt: -3_600_000,
    });
    // A market served from 4 candles ahead: 0.012 over 4 candles is 0.012 / sqrt(4) a candle.
    expect(predictionInput(served([horizon(4, 0.012)])).volatility).toBeCloseTo(0.006, 15);
    expect(predictionInput(served([])).volatility).toBeNull();
  });
});
