import type { Candle } from '../../market-data/candle';
import {
  buildDataset,
  chronologicalSplit,
  latestWindow,
  purge,
  walkForwardFolds,
  type Dataset,
} from './dataset';
import { evaluate, normalCdf, type Evaluation, type Metrics } from './evaluation';
import { featureSeedCandles, featureWarmupCandles, type FeatureName } from './features';
import {
  disposeModel,
  NotEnoughDataError,
  predictOne,
  predictScaled,
  trainModel,
  type EpochProgress,
  type ModelParams,
  type TrainedModel,
} from './lstm-model';
import type { TensorFlow } from './tf-backend';

export interface WalkForwardResult {
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
  /** Chronological 80/20 split: the last 20% is the test set. */
  evaluation: Evaluation;
  walkForward: WalkForwardResult | null;
  samples: number;
  trainSamples: number;
  dataFrom: number;
  dataTo: number;
}

const MIN_SAMPLES = 200;

export { NotEnoughDataError };

/** Candles a market needs before a model with these params can be trained. */
export function minimumCandles(params: Pick<ModelParams, 'lookback' | 'horizon'>): number {
  return featureWarmupCandles() + params.lookback + params.horizon + MIN_SAMPLES;
}

/**
 * Dataset -> chronological split (purged) -> train with early stopping -> evaluation of the model
 * and the baselines on the same test candles -> walk-forward folds (retrained per fold with at
 * most `walkForwardEpochs` epochs).
 */
export async function runTraining(params: {
  tf: TensorFlow;
  candles: readonly Candle[];
  intervalMs: number;
  features: readonly FeatureName[];
  params: ModelParams;
  sentiment?: readonly (number | null)[];
  walkForwardFolds?: number;
  walkForwardEpochs?: number;
  onEpoch?: (progress: EpochProgress & { stage: string }) => Promise<void> | void;
  shouldStop?: () => boolean;
}): Promise<TrainingOutcome> {
  const p = params.params;
  const dataset = buildDataset({
    candles: params.candles,
    intervalMs: params.intervalMs,
    features: params.features,
    lookback: p.lookback,
    horizon: p.horizon,
    sentiment: params.sentiment,
  });
  if (dataset.samples.length < MIN_SAMPLES) {
    throw new NotEnoughDataError(
      `Only ${dataset.samples.length} usable windows in ${params.candles.length} candles; at least ${MIN_SAMPLES} are needed`,
    );
  }
  const { train, test } = chronologicalSplit(dataset.samples, 0.8);
  const purged = purge(train, test, p.horizon);
  const trained = await trainModel({
    tf: params.tf,
    dataset,
    train: purged,
    params: p,
    shouldStop: params.shouldStop,
    onEpoch: (progress) => params.onEpoch?.({ ...progress, stage: 'train' }),
  });
  let evaluation: Evaluation;
  let walkForward: WalkForwardResult | null = null;
  try {
    const predictions = predictScaled(params.tf, trained.model, trained.scaler, dataset, test);
    evaluation = evaluate({
      test,
      predictedReturns: predictions,
      trainReturns: purged.map((s) => s.target),
    });
    const folds = params.walkForwardFolds ?? 0;
    if (folds > 0) {
      walkForward = await runWalkForward({
        ...params,
        dataset,
        folds,
        epochs: Math.min(p.epochs, params.walkForwardEpochs ?? 5),
      });
    }
  } catch (error) {
    // A fold that cannot train, or a cancel during the walk-forward: the model is not returned,
    // so its tensors (weights and optimizer state) are freed here.
    disposeModel(trained.model);
    throw error;
  }
  return {
    trained,
    evaluation,
    walkForward,
    samples: dataset.samples.length,
    trainSamples: purged.length,
    dataFrom: params.candles[0]!.openTime,
    dataTo: params.candles[params.candles.length - 1]!.openTime,
  };
}

async function runWalkForward(params: {
  tf: TensorFlow;
  dataset: Dataset;
  params: ModelParams;
  folds: number;
  epochs: number;
  onEpoch?: (progress: EpochProgress & { stage: string }) => Promise<void> | void;
  shouldStop?: () => boolean;
}): Promise<WalkForwardResult> {
  const result: WalkForwardResult['folds'] = [];
  for (const [index, fold] of walkForwardFolds(params.dataset.samples, {
    folds: params.folds,
    minTrainFraction: 0.5,
  }).entries()) {
    const train = purge(fold.train, fold.test, params.params.horizon);
    const trained = await trainModel({
      tf: params.tf,
      dataset: params.dataset,
      train,
      params: { ...params.params, epochs: params.epochs },
      shouldStop: params.shouldStop,
      onEpoch: (progress) =>
        params.onEpoch?.({ ...progress, stage: `walk-forward fold ${index + 1}/${params.folds}` }),
    });
    try {
      const predictions = predictScaled(
        params.tf,
        trained.model,
        trained.scaler,
        params.dataset,
        fold.test,
      );
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
      disposeModel(trained.model);
    }
  }
  const mean = (pick: (fold: WalkForwardResult['folds'][number]) => Metrics) => {
    const count = result.reduce((a, fold) => a + pick(fold).count, 0);
    const mae =
      result.reduce((a, fold) => a + pick(fold).mae * pick(fold).count, 0) / Math.max(1, count);
    return { mae, count };
  };
  return {
    folds: result,
    model: mean((fold) => fold.model),
    persistence: mean((fold) => fold.persistence),
    drift: mean((fold) => fold.drift),
    epochsPerFold: params.epochs,
  };
}

export interface LatestPrediction {
  /** Open time of the last candle the model saw. */
  openTime: number;
  lastClose: number;
  predictedReturn: number;
  predictedClose: number;
  /** Φ(predicted return / residual std on validation): the residuals as a normal error. */
  probabilityUp: number;
}

/** The prediction at the newest candle, from enough history to compute its features exactly. */
export function predictLatest(params: {
  tf: TensorFlow;
  trained: TrainedModel;
  candles: readonly Candle[];
  intervalMs: number;
  sentiment?: readonly (number | null)[];
}): LatestPrediction | undefined {
  const { trained } = params;
  const window = latestWindow({
    candles: params.candles,
    intervalMs: params.intervalMs,
    features: trained.features,
    lookback: trained.params.lookback,
    sentiment: params.sentiment,
  });
  if (!window) {
    return undefined;
  }
  const { dataset, sample: last } = window;
  const r = predictOne(params.tf, trained, dataset, last);
  return {
    openTime: last.openTime,
    lastClose: last.close,
    predictedReturn: r,
    predictedClose: last.close * Math.exp(r),
    probabilityUp: normalCdf(r / trained.residualStd),
  };
}

/** Candles `predictLatest` needs before the newest one. */
export function predictionWindow(
  trained: Pick<TrainedModel, 'params'>,
  intervalMs: number,
): number {
  return featureSeedCandles(intervalMs) + trained.params.lookback + 1;
}
