import type { io } from '@tensorflow/tfjs';
import type { Dataset, Sample, StandardScaler } from './dataset';
import type { FeatureName } from './feature-spec';
import type { ForecastCalibration } from './forecast-calibration';
import type { ModelKind } from './model-kind';
import type { ModelParams } from './model-params';
import type { TensorFlow } from './tf-backend';

/**
 * What each model kind implements, on scaled windows and scaled targets (the scaler is the
 * caller's): TensorFlow.js layers for `lstm` and `gru`, ridge weights for `linear`. Callers never
 * hold one: they go through `predictBatch`, `predictOne`, `saveModel` and `disposeModel`.
 */
/** The kind's part of a saved model's manifest: TensorFlow.js layers, or the ridge fit's size. */
export type PredictorManifest =
  | {
      format: 'tfjs-layers';
      modelTopology: io.ModelArtifacts['modelTopology'];
      weightSpecs: io.ModelArtifacts['weightSpecs'];
    }
  | { format: 'ridge'; inputs: number };

export interface ModelPredictor {
  /** Outputs of `count` windows, flattened [sample][step][feature]. */
  predictWindows(tf: TensorFlow, windows: Float32Array, count: number): ArrayLike<number>;
  /** The output of one window (the live path; the weights no longer change). */
  predictWindow(tf: TensorFlow, window: Float32Array): number;
  /** The kind's part of the manifest (with its `format`) and its weights. */
  save(tf: TensorFlow): Promise<{ manifest: PredictorManifest; weightData: Buffer }>;
  /** Frees what the garbage collector does not (tensors). */
  dispose(): void;
}

/** Where a `TrainedModel` keeps its predictor: only training and the model artifact read it. */
export const PREDICTOR = Symbol('predictor');

/** A trained model of any kind with everything needed to use it. */
export interface TrainedModel {
  kind: ModelKind;
  scaler: StandardScaler;
  features: readonly FeatureName[];
  params: ModelParams;
  /** Standard deviation of validation residuals (log return), for the probability of an up move. */
  residualStd: number;
  /** Epochs trained (the best weights are kept); 1 for `linear`, fitted once in closed form. */
  epochsRun: number;
  /** Shrinkage and residual distribution per served horizon (see forecast-calibration.ts); set after training. */
  calibration?: ForecastCalibration;
  readonly [PREDICTOR]: ModelPredictor;
}

/** Frees a model's tensors: its weights and its optimizer's state (its Adam moments). */
export function disposeModel(trained: TrainedModel): void {
  trained[PREDICTOR].dispose();
}

/** Predicted log returns for samples, in batches (tensors disposed). */
export function predictBatch(
  tf: TensorFlow,
  trained: TrainedModel,
  dataset: Dataset,
  samples: readonly Sample[],
  batch = 4096,
): number[] {
  return predictWith(tf, trained[PREDICTOR], trained.scaler, dataset, samples, batch);
}

/** Predicted log returns for samples, straight from a predictor (training's validation uses it). */
export function predictWith(
  tf: TensorFlow,
  predictor: ModelPredictor,
  scaler: StandardScaler,
  dataset: Dataset,
  samples: readonly Sample[],
  batch = 4096,
): number[] {
  const out: number[] = [];
  for (let from = 0; from < samples.length; from += batch) {
    const part = samples.slice(from, from + batch);
    const values = predictor.predictWindows(tf, scaler.windows(dataset, part), part.length);
    for (let i = 0; i < part.length; i++) {
      out.push(scaler.unscaleTarget(values[i]!));
    }
  }
  return out;
}

/**
 * The predicted log return of one sample, for models that only predict from now on (the live
 * path): the LSTM through its JavaScript forward pass (weights read at the first call), `linear`
 * by its dot product, the GRU through TensorFlow.js.
 */
export function predictOne(
  tf: TensorFlow,
  trained: TrainedModel,
  dataset: Dataset,
  sample: Sample,
): number {
  const window = trained.scaler.windows(dataset, [sample]);
  return trained.scaler.unscaleTarget(trained[PREDICTOR].predictWindow(tf, window));
}
