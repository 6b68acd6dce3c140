import type { Candle } from '../../market-data/candle';
import { baselineForecast, EMPIRICAL_WINDOW } from './baseline-forecast';
import { latestWindow } from './dataset';
import { modelForecast, volatilitySeries, type HorizonForecast } from './forecast-calibration';
import { featureSeedCandles, type MarketCandles } from './features';
import type { TensorFlow } from './tf-backend';
import { predictOne, type TrainedModel } from './trained-model';

/**
 * The forecast served now: a trained model's, or the baseline's, at the newest candle, and how
 * many candles before it each one reads.
 */

export interface LatestForecast {
  /** Open time of the last candle the model saw. */
  openTime: number;
  lastClose: number;
  /** The model's own output at its horizon, before shrinkage. */
  modelReturn: number;
  horizons: HorizonForecast[];
}

/**
 * The forecast at the newest candle, from enough history to compute its features exactly; one
 * distribution per calibrated horizon. Undefined across a gap, or for a model stored without a
 * calibration (trained before forecasts were distributions).
 */
export function predictLatest(params: {
  tf: TensorFlow;
  trained: TrainedModel;
  candles: readonly Candle[];
  intervalMs: number;
  sentiment?: readonly (number | null)[];
  markets?: MarketCandles;
}): LatestForecast | undefined {
  const { trained } = params;
  const calibration = trained.calibration;
  if (!calibration) {
    return undefined;
  }
  const window = latestWindow({
    candles: params.candles,
    intervalMs: params.intervalMs,
    features: trained.features,
    lookback: trained.params.lookback,
    sentiment: params.sentiment,
    markets: params.markets,
  });
  const sigma = volatilitySeries(params.candles)[params.candles.length - 1];
  if (!window || sigma === undefined || !(sigma > 0)) {
    return undefined;
  }
  const { dataset, sample: last } = window;
  const r = predictOne(params.tf, trained, dataset, last);
  return {
    openTime: last.openTime,
    lastClose: last.close,
    modelReturn: r,
    horizons: calibration.horizons.map((horizon) => modelForecast(horizon, r, sigma)),
  };
}

/** The baseline forecast at the newest candle for each horizon (undefined without enough history). */
export function baselineLatest(params: {
  candles: readonly Candle[];
  intervalMs: number;
  horizons: readonly number[];
}): Omit<LatestForecast, 'modelReturn'> | undefined {
  const end = params.candles.length - 1;
  const last = params.candles[end];
  if (!last) {
    return undefined;
  }
  const volatility = volatilitySeries(params.candles);
  const horizons: HorizonForecast[] = [];
  for (const horizon of params.horizons) {
    const forecast = baselineForecast({ ...params, volatility, end, horizon });
    if (!forecast) {
      return undefined;
    }
    horizons.push(forecast);
  }
  return { openTime: last.openTime, lastClose: last.close, horizons };
}

/** Candles `baselineLatest` reads before the newest one. */
export function baselineWindow(horizons: readonly number[]): number {
  return EMPIRICAL_WINDOW + Math.max(1, ...horizons) + 1;
}

/** Candles `predictLatest` needs before the newest one (its inputs' seed, the volatility's too). */
export function predictionWindow(
  trained: Pick<TrainedModel, 'params' | 'features'>,
  intervalMs: number,
): number {
  return Math.max(
    featureSeedCandles(trained.features, intervalMs) + trained.params.lookback + 1,
    200,
  );
}
