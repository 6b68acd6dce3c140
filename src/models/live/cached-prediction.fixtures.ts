import type { CachedPrediction } from './prediction.cache';

const HOUR_MS = 3_600_000;

/**
 * A BTC 1h forecast as the live path caches and publishes it, for the tests and benchmarks that
 * stand in for it: the candle, the forecast and the model given, the rest as a model's forecast
 * with no live record has it (overridable: a baseline's, other markets). The fields keep the live
 * path's order.
 */
export function cachedForecast(
  forecast: Pick<
    CachedPrediction,
    | 'openTime'
    | 'lastClose'
    | 'predictedClose'
    | 'predictedReturn'
    | 'probabilityUp'
    | 'modelVersionId'
  > &
    Partial<CachedPrediction>,
): CachedPrediction {
  const {
    openTime,
    lastClose,
    predictedClose,
    predictedReturn,
    probabilityUp,
    modelVersionId,
    ...rest
  } = forecast;
  return {
    exchange: 'binance',
    symbol: 'BTC',
    pair: 'BTCUSDT',
    interval: '1h',
    kind: 'model',
    horizons: [],
    openTime,
    targetTime: openTime + HOUR_MS,
    horizon: 1,
    lastClose,
    predictedClose,
    predictedReturn,
    probabilityUp,
    modelVersionId,
    trainedAt: Date.now(),
    testMae: null,
    testPersistenceMae: null,
    liveCount: 0,
    liveMae: null,
    livePersistenceMae: null,
    computedAt: Date.now(),
    ...rest,
  };
}
