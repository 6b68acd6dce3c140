import type { Candle } from '../../market-data/candle';
import {
  buildDataset,
  chronologicalSplit,
  purge,
  walkForwardFolds,
  type Dataset,
  type Sample,
} from './dataset';
import { evaluate, metricsOf, type Evaluation, type Metrics } from './evaluation';
import {
  fitCalibration,
  volatilitySeries,
  type ForecastCalibration,
  type PointPrediction,
} from './forecast-calibration';
import {
  scoreForecasts,
  significance,
  type HorizonScore,
  type SignificanceResult,
} from './forecast-scoring';
import type { FeatureName } from './feature-spec';
import { featureWarmupCandles, type MarketCandles } from './features';
import type { ModelKind } from './model-kind';
import type { ModelParams } from './model-params';
import { NotEnoughDataError, trainModel, type EpochProgress } from './model-training';
import type { TensorFlow } from './tf-backend';
import { disposeModel, predictBatch, type TrainedModel } from './trained-model';

interface WalkForwardResult {
  /** Folds over the training part only (the test part is never read). */
  folds: {
    testFrom: number | null;
    testTo: number | null;
    model: Metrics;
    persistence: Metrics;
    drift: Metrics;
  }[];
  /** Sample-weighted means over the folds. */
  model: { mae: number; count: number };
  persistence: { mae: number; count: number };
  drift: { mae: number; count: number };
  epochsPerFold: number;
}

export interface TrainingOutcome {
  trained: TrainedModel;
  /**
   * Chronological split (the last 20%, or from `testFrom`, is the test set): the served point
   * forecast at the model's horizon (shrunk toward persistence) and the baselines.
   */
  evaluation: Evaluation & {
    unshrunkModel: Metrics;
    /** Diebold-Mariano test of the served point forecast against persistence on the test set. */
    versusPersistence: SignificanceResult;
  };
  /** Every served horizon scored on the test set against the baselines. */
  forecast: HorizonScore[];
  walkForward: WalkForwardResult | null;
  samples: number;
  trainSamples: number;
  dataFrom: number;
  dataTo: number;
}

const MIN_SAMPLES = 200;

export { NotEnoughDataError };

/** Candles a market needs before a model with these params and inputs can be trained. */
export function minimumCandles(
  params: Pick<ModelParams, 'lookback' | 'horizon'>,
  features?: readonly FeatureName[],
): number {
  return featureWarmupCandles(features) + params.lookback + params.horizon + MIN_SAMPLES;
}

/**
 * Dataset -> chronological split (purged) -> train with early stopping -> walk-forward folds on
 * the training part (retrained per fold with at most `walkForwardEpochs` epochs), whose
 * out-of-sample predictions fit the forecast calibration (shrinkage toward persistence and the
 * residual distribution per horizon; without folds, the validation slice's predictions) -> the
 * test set scored once, model and baselines on the same candles.
 */
export async function runTraining(params: {
  tf: TensorFlow;
  candles: readonly Candle[];
  intervalMs: number;
  features: readonly FeatureName[];
  params: ModelParams;
  /** The kind of model, for the main training and every walk-forward fold (default lstm). */
  kind?: ModelKind;
  /** Horizons served (candles ahead); default the model's own. */
  horizons?: readonly number[];
  sentiment?: readonly (number | null)[];
  /** Other markets' candles over the same span, for `<BASE>/...` inputs. */
  markets?: MarketCandles;
  /** The test set starts at the first window at or after this open time (default: the last 20%). */
  testFrom?: number;
  walkForwardFolds?: number;
  walkForwardEpochs?: number;
  onEpoch?: (progress: EpochProgress & { stage: string }) => Promise<void> | void;
  shouldStop?: () => boolean;
  /** Awaited between batches: the live path's turn (HotPath.idle in workers). */
  pause?: () => Promise<void>;
}): Promise<TrainingOutcome> {
  const p = params.params;
  const dataset = buildDataset({
    candles: params.candles,
    intervalMs: params.intervalMs,
    features: params.features,
    lookback: p.lookback,
    horizon: p.horizon,
    sentiment: params.sentiment,
    markets: params.markets,
  });
  const firstCandle = params.candles[0];
  const lastCandle = params.candles.at(-1);
  if (dataset.samples.length < MIN_SAMPLES || !firstCandle || !lastCandle) {
    throw new NotEnoughDataError(
      `Only ${dataset.samples.length} usable windows in ${params.candles.length} candles; at least ${MIN_SAMPLES} are needed`,
    );
  }
  const horizons = [...new Set(params.horizons ?? [p.horizon])].sort((a, b) => a - b);
  const { train, test } = splitAt(dataset.samples, params.testFrom);
  if (test.length < 1) {
    throw new NotEnoughDataError(
      `No test windows: the ${dataset.samples.length} windows all open before the test start`,
    );
  }
  // Nothing after the last training target is read until the model and its calibration are fixed.
  const purged = purge(train, test, Math.max(p.horizon, ...horizons));
  const trained = await trainModel({
    tf: params.tf,
    dataset,
    train: purged,
    params: p,
    kind: params.kind,
    shouldStop: params.shouldStop,
    pause: params.pause,
    onEpoch: (progress) => params.onEpoch?.({ ...progress, stage: 'train' }),
  });
  try {
    const volatility = volatilitySeries(params.candles);
    const folds = params.walkForwardFolds ?? 0;
    let walkForward: WalkForwardResult | null = null;
    let calibrationPoints: PointPrediction[];
    if (folds > 0) {
      const run = await runWalkForward({
        ...params,
        dataset,
        samples: purged,
        horizon: Math.max(p.horizon, ...horizons),
        folds,
        epochs: Math.min(p.epochs, params.walkForwardEpochs ?? 5),
      });
      walkForward = run.result;
      calibrationPoints = run.points;
    } else {
      const validation = purged.slice(
        Math.max(1, Math.floor(purged.length * (1 - p.validationFraction))),
      );
      calibrationPoints = pointsOf(
        validation,
        predictBatch(params.tf, trained, dataset, validation),
      );
    }
    const calibration = calibrate({
      candles: params.candles,
      intervalMs: params.intervalMs,
      volatility,
      points: calibrationPoints,
      horizons: horizons.includes(p.horizon) ? horizons : [...horizons, p.horizon],
      source: folds > 0 ? 'walk-forward' : 'validation',
    });
    trained.calibration = calibration;
    const raw = predictBatch(params.tf, trained, dataset, test);
    const native = calibration.horizons.find((h) => h.horizon === p.horizon);
    if (native === undefined) {
      throw new Error(`The calibration has no horizon ${p.horizon}, which it was given`);
    }
    const trainReturns = purged.map((s) => s.target);
    const served = raw.map((value) => value * native.shrinkage);
    const evaluation = {
      ...evaluate({ test, predictedReturns: served, trainReturns }),
      unshrunkModel: metricsOf(test, raw),
      versusPersistence: significance(closeErrors(test, served), closeErrors(test, []), p.horizon),
    };
    const forecast = scoreForecasts({
      candles: params.candles,
      intervalMs: params.intervalMs,
      volatility,
      calibration: {
        ...calibration,
        horizons: calibration.horizons.filter((h) => horizons.includes(h.horizon)),
      },
      test: pointsOf(test, raw),
      trainEnds: purged.map((s) => s.end),
    });
    return {
      trained,
      evaluation,
      forecast,
      walkForward,
      samples: dataset.samples.length,
      trainSamples: purged.length,
      dataFrom: firstCandle.openTime,
      dataTo: lastCandle.openTime,
    };
  } catch (error) {
    // A fold that cannot train, or a cancel during the walk-forward: the model is not returned,
    // so its tensors (weights and optimizer state) are freed here.
    disposeModel(trained);
    throw error;
  }
}

/** `fitCalibration`, whose too few predictions are not enough data (the job is not retried). */
function calibrate(params: Parameters<typeof fitCalibration>[0]): ForecastCalibration {
  try {
    return fitCalibration(params);
  } catch (error) {
    throw error instanceof RangeError ? new NotEnoughDataError(error.message) : error;
  }
}

/** Train and test windows split at `testFrom` (an open time), or 80/20 without it. */
function splitAt(
  samples: readonly Sample[],
  testFrom?: number,
): { train: Sample[]; test: Sample[] } {
  if (testFrom === undefined) {
    return chronologicalSplit(samples, 0.8);
  }
  const cut = samples.findIndex((sample) => sample.openTime >= testFrom);
  return cut < 0
    ? { train: [...samples], test: [] }
    : { train: samples.slice(0, cut), test: samples.slice(cut) };
}

/** Predicted close minus actual close of each sample (a missing prediction is persistence). */
export function closeErrors(samples: readonly Sample[], predicted: readonly number[]): number[] {
  return samples.map(
    (sample, i) => sample.close * Math.exp(predicted[i] ?? 0) - sample.targetClose,
  );
}

function pointsOf(samples: readonly Sample[], predicted: readonly number[]): PointPrediction[] {
  return samples.map((sample, i) => ({ end: sample.end, predicted: predicted[i] ?? 0 }));
}

async function runWalkForward(params: {
  tf: TensorFlow;
  dataset: Dataset;
  /** The samples folded: the training part only. */
  samples: readonly Sample[];
  /** Longest horizon: what each fold's training is purged by. */
  horizon: number;
  params: ModelParams;
  kind?: ModelKind;
  folds: number;
  epochs: number;
  onEpoch?: (progress: EpochProgress & { stage: string }) => Promise<void> | void;
  shouldStop?: () => boolean;
  /** Awaited between batches: the live path's turn (HotPath.idle in workers). */
  pause?: () => Promise<void>;
}): Promise<{ result: WalkForwardResult; points: PointPrediction[] }> {
  const result: WalkForwardResult['folds'] = [];
  const points: PointPrediction[] = [];
  for (const [index, fold] of walkForwardFolds(params.samples, {
    folds: params.folds,
    minTrainFraction: 0.5,
  }).entries()) {
    const train = purge(fold.train, fold.test, params.horizon);
    const trained = await trainModel({
      tf: params.tf,
      dataset: params.dataset,
      train,
      params: { ...params.params, epochs: params.epochs },
      kind: params.kind,
      shouldStop: params.shouldStop,
      pause: params.pause,
      onEpoch: (progress) =>
        params.onEpoch?.({ ...progress, stage: `walk-forward fold ${index + 1}/${params.folds}` }),
    });
    try {
      const predictions = predictBatch(params.tf, trained, params.dataset, fold.test);
      points.push(...pointsOf(fold.test, predictions));
      const evaluation = evaluate({
        test: fold.test,
        predictedReturns: predictions,
        trainReturns: train.map((s) => s.target),
      });
      result.push({
        testFrom: evaluation.testFrom,
        testTo: evaluation.testTo,
        model: evaluation.model,
        persistence: evaluation.persistence,
        drift: evaluation.drift,
      });
    } finally {
      disposeModel(trained);
    }
  }
  const mean = (pick: (fold: WalkForwardResult['folds'][number]) => Metrics) => {
    const count = result.reduce((a, fold) => a + pick(fold).count, 0);
    const mae =
      result.reduce((a, fold) => a + pick(fold).mae * pick(fold).count, 0) / Math.max(1, count);
    return { mae, count };
  };
  return {
    result: {
      folds: result,
      model: mean((fold) => fold.model),
      persistence: mean((fold) => fold.persistence),
      drift: mean((fold) => fold.drift),
      epochsPerFold: params.epochs,
    },
    points,
  };
}
