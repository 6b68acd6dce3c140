import type { MarketKey } from '../../market-data/candle';
import type { HorizonForecast } from '../engine/forecast-calibration';
import type { BaselineTrackRecord, HorizonScore } from '../engine/forecast-scoring';
import type { CachedHorizon, CachedPrediction } from './prediction.cache';

/** A forecast as it is cached and published: closes for each horizon, and the model's test scores. */
export function cachedForecast(params: {
  market: MarketKey;
  symbol: string;
  intervalMs: number;
  forecast: { openTime: number; lastClose: number; horizons: HorizonForecast[] };
  scores: readonly HorizonScore[];
  /** The baseline's record on its last forecasts (its `test` scores). */
  baselineRecord?: readonly BaselineTrackRecord[];
  model: Pick<
    CachedPrediction,
    | 'modelVersionId'
    | 'trainedAt'
    | 'testMae'
    | 'testPersistenceMae'
    | 'liveCount'
    | 'liveMae'
    | 'livePersistenceMae'
  > | null;
}): CachedPrediction {
  const { market, forecast } = params;
  const close = (logReturn: number) => forecast.lastClose * Math.exp(logReturn);
  const horizons: CachedHorizon[] = forecast.horizons.map((h) => {
    const score = params.scores.find((s) => s.horizon === h.horizon);
    const record = params.baselineRecord?.find((r) => r.horizon === h.horizon && r.count > 0);
    return {
      horizon: h.horizon,
      targetTime: forecast.openTime + h.horizon * params.intervalMs,
      predictedReturn: h.predictedReturn,
      predictedClose: close(h.predictedReturn),
      median: h.median,
      lower: h.lower,
      upper: h.upper,
      lowerClose: close(h.lower),
      upperClose: close(h.upper),
      volatility: h.volatility,
      probabilityUp: h.probabilityUp,
      shrinkage: params.model ? (score?.shrinkage ?? null) : null,
      test: score
        ? {
            count: score.count,
            mae: score.point.model.mae,
            persistenceMae: score.point.persistence.mae,
            pValue: score.point.versusPersistence.pValue,
            coverage: score.band.model.coverage,
            empiricalCoverage: score.band.empirical.coverage,
            ewmaCoverage: score.band.ewma.coverage,
            brier: score.probabilityUp.model.brier,
            baseRateBrier: score.probabilityUp.baseRate.brier,
          }
        : record
          ? {
              count: record.count,
              mae: record.mae,
              persistenceMae: record.mae,
              pValue: 1,
              coverage: record.coverage,
              empiricalCoverage: record.coverage,
              ewmaCoverage: record.ewmaCoverage,
              brier: record.brier,
              baseRateBrier: record.baseRateBrier,
            }
          : null,
    };
  });
  const first = horizons[0]!;
  return {
    exchange: market.exchange,
    symbol: params.symbol,
    pair: market.symbol,
    interval: market.interval,
    kind: params.model ? 'model' : 'baseline',
    openTime: forecast.openTime,
    targetTime: first.targetTime,
    horizon: first.horizon,
    lastClose: forecast.lastClose,
    predictedClose: first.predictedClose,
    predictedReturn: first.predictedReturn,
    probabilityUp: first.probabilityUp,
    horizons,
    modelVersionId: params.model?.modelVersionId ?? null,
    trainedAt: params.model?.trainedAt ?? null,
    testMae: params.model?.testMae ?? null,
    testPersistenceMae: params.model?.testPersistenceMae ?? null,
    liveCount: params.model?.liveCount ?? 0,
    liveMae: params.model?.liveMae ?? null,
    livePersistenceMae: params.model?.livePersistenceMae ?? null,
    computedAt: Date.now(),
  };
}
