import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { StandardScaler, type Dataset, type Sample, type ScalerState } from './dataset';
import { fastLstmCellClass } from './fast-lstm-cell';
import type { FeatureName } from './features';
import type { ForecastCalibration } from './forecast';
import { LstmForward } from './lstm-forward';
import type { TensorFlow } from './tf-backend';

export interface ModelParams {
  layers: number;
  units: number;
  dropout: number;
  lookback: number;
  horizon: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Epochs without a better validation loss before training stops (0 = never). */
  patience: number;
  /** The last part of the training slice used for validation (chronological). */
  validationFraction: number;
}

interface ParamRule {
  min: number;
  max: number;
  integer: boolean;
  default: number;
}

/** Defaults sized so one market's four years of 1h candles train in minutes on one core (see README). */
export const MODEL_PARAM_RULES: Record<keyof ModelParams, ParamRule> = {
  layers: { min: 1, max: 4, integer: true, default: 1 },
  units: { min: 4, max: 512, integer: true, default: 32 },
  dropout: { min: 0, max: 0.8, integer: false, default: 0.1 },
  lookback: { min: 4, max: 512, integer: true, default: 24 },
  horizon: { min: 1, max: 48, integer: true, default: 1 },
  epochs: { min: 1, max: 1000, integer: true, default: 30 },
  batchSize: { min: 8, max: 4096, integer: true, default: 256 },
  learningRate: { min: 1e-5, max: 0.1, integer: false, default: 0.001 },
  patience: { min: 0, max: 100, integer: true, default: 4 },
  validationFraction: { min: 0.05, max: 0.4, integer: false, default: 0.1 },
};

export class ModelParamsError extends Error {
  constructor(readonly problems: { field: string; problem: string }[]) {
    super(`Invalid model parameters: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}`);
    this.name = 'ModelParamsError';
  }
}

/** Too few candles or windows for the model asked for; training it again will not help. */
export class NotEnoughDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotEnoughDataError';
  }
}

/** Every parameter checked (unknown ones refused), defaults filled in. */
export function resolveModelParams(input: Record<string, unknown> = {}): ModelParams {
  const problems: { field: string; problem: string }[] = [];
  const params = {} as ModelParams;
  for (const field of Object.keys(input)) {
    if (!(field in MODEL_PARAM_RULES)) {
      problems.push({
        field: `params.${field}`,
        problem: `is not a model parameter (known: ${Object.keys(MODEL_PARAM_RULES).join(', ')})`,
      });
    }
  }
  for (const [field, rule] of Object.entries(MODEL_PARAM_RULES) as [
    keyof ModelParams,
    ParamRule,
  ][]) {
    const value = input[field] ?? rule.default;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push({ field: `params.${field}`, problem: 'must be a number' });
    } else if (rule.integer && !Number.isInteger(value)) {
      problems.push({ field: `params.${field}`, problem: 'must be a whole number' });
    } else if (value < rule.min || value > rule.max) {
      problems.push({
        field: `params.${field}`,
        problem: `must be between ${rule.min} and ${rule.max}`,
      });
    } else {
      params[field] = value;
    }
  }
  if (problems.length) {
    throw new ModelParamsError(problems);
  }
  return params;
}

export interface EpochProgress {
  epoch: number;
  epochs: number;
  loss: number;
  valLoss: number | null;
  samplesPerSecond: number;
  etaMs: number;
}

export class TrainingCancelledError extends Error {
  constructor() {
    super('Training was cancelled');
    this.name = 'TrainingCancelledError';
  }
}

/** A trained model with everything needed to use it. */
export interface TrainedModel {
  model: LayersModel;
  scaler: StandardScaler;
  features: readonly FeatureName[];
  params: ModelParams;
  /** Standard deviation of validation residuals (log return), for the probability of an up move. */
  residualStd: number;
  epochsRun: number;
  /** Shrinkage and residual distribution per served horizon (see forecast.ts); set after training. */
  calibration?: ForecastCalibration;
}

export function buildLstm(tf: TensorFlow, params: ModelParams, featureCount: number): LayersModel {
  const FastLstmCell = fastLstmCellClass(tf);
  const model = tf.sequential();
  for (let layer = 0; layer < params.layers; layer++) {
    model.add(
      tf.layers.rnn({
        // tf.layers.lstm's cell with cheaper gradients on wasm (see FastLstmCell).
        cell: new FastLstmCell({
          units: params.units,
          // Glorot instead of the slow orthogonal default: same quality here, much faster to build.
          recurrentInitializer: 'glorotUniform',
          // The logistic sigmoid for the gates (the default of Keras 2 and PyTorch) instead of
          // TensorFlow.js's hard sigmoid, which costs three kernels per gate and step on wasm
          // (`bench:train`: ~1.15-1.2x the samples/s).
          recurrentActivation: 'sigmoid',
        }),
        returnSequences: layer < params.layers - 1,
        ...(layer === 0 ? { inputShape: [params.lookback, featureCount] } : {}),
      }),
    );
    if (params.dropout > 0) {
      model.add(tf.layers.dropout({ rate: params.dropout }));
    }
  }
  model.add(tf.layers.dense({ units: 1 }));
  model.compile({ optimizer: tf.train.adam(params.learningRate), loss: 'meanSquaredError' });
  return model;
}

/**
 * Trains on `train` (its last `validationFraction` held out for early stopping, chronologically);
 * the best weights by validation loss are restored. `shouldStop` is checked after every batch.
 */
export async function trainModel(params: {
  tf: TensorFlow;
  dataset: Dataset;
  train: readonly Sample[];
  params: ModelParams;
  onEpoch?: (progress: EpochProgress) => Promise<void> | void;
  shouldStop?: () => boolean;
}): Promise<TrainedModel> {
  const { tf, dataset } = params;
  const p = params.params;
  const cut = Math.max(1, Math.floor(params.train.length * (1 - p.validationFraction)));
  const fit = params.train.slice(0, cut);
  const validation = params.train.slice(cut);
  if (fit.length < p.batchSize / 4 || validation.length < 1) {
    throw new NotEnoughDataError(
      `Too few samples to train: ${fit.length} for training and ${validation.length} for validation (batch size ${p.batchSize})`,
    );
  }
  const scaler = StandardScaler.fit(dataset, fit);
  const width = dataset.features.length;
  const tensor = (samples: readonly Sample[]) => ({
    x: tf.tensor3d(scaler.windows(dataset, samples), [samples.length, dataset.lookback, width]),
    y: tf.tensor2d(scaler.scaleTargets(samples), [samples.length, 1]),
  });
  const fitData = tensor(fit);
  const validationData = tensor(validation);
  const model = buildLstm(tf, p, width);
  let best = Number.POSITIVE_INFINITY;
  let bestWeights: Tensor[] | undefined;
  let sinceBest = 0;
  let epochsRun = 0;
  let cancelled = false;
  const started = Date.now();
  try {
    for (let epoch = 1; epoch <= p.epochs; epoch++) {
      const epochStarted = Date.now();
      const history = await model.fit(fitData.x, fitData.y, {
        epochs: 1,
        batchSize: p.batchSize,
        shuffle: true,
        verbose: 0,
        validationData: [validationData.x, validationData.y],
        callbacks: {
          onBatchEnd: async () => {
            if (params.shouldStop?.()) {
              cancelled = true;
              model.stopTraining = true;
            }
          },
        },
      });
      if (cancelled) {
        throw new TrainingCancelledError();
      }
      epochsRun = epoch;
      const loss = Number(history.history.loss?.[0]);
      const valLoss = Number(history.history.val_loss?.[0]);
      const seconds = (Date.now() - epochStarted) / 1000;
      await params.onEpoch?.({
        epoch,
        epochs: p.epochs,
        loss,
        valLoss: Number.isFinite(valLoss) ? valLoss : null,
        samplesPerSecond: fit.length / Math.max(seconds, 1e-3),
        etaMs: ((Date.now() - started) / epoch) * (p.epochs - epoch),
      });
      if (valLoss < best) {
        best = valLoss;
        sinceBest = 0;
        bestWeights?.forEach((weight) => weight.dispose());
        bestWeights = model.getWeights().map((weight) => weight.clone());
      } else if (p.patience > 0 && ++sinceBest >= p.patience) {
        break;
      }
    }
    if (bestWeights) {
      model.setWeights(bestWeights);
    }
    const validationPredictions = predictScaled(tf, model, scaler, dataset, validation);
    const residuals = validation.map((sample, i) => sample.target - validationPredictions[i]!);
    const residualStd =
      Math.sqrt(residuals.reduce((a, r) => a + r * r, 0) / Math.max(1, residuals.length)) || 1e-9;
    return { model, scaler, features: dataset.features, params: p, residualStd, epochsRun };
  } catch (error) {
    disposeModel(model);
    throw error;
  } finally {
    bestWeights?.forEach((weight) => weight.dispose());
    for (const data of [fitData, validationData]) {
      data.x.dispose();
      data.y.dispose();
    }
  }
}

/** Frees a model's weights and its optimizer's state (Adam moments are not freed with the model). */
export function disposeModel(model: LayersModel): void {
  model.optimizer?.dispose();
  model.dispose();
}

/** Predicted log returns for samples, in batches (tensors disposed). */
export function predictScaled(
  tf: TensorFlow,
  model: LayersModel,
  scaler: StandardScaler,
  dataset: Dataset,
  samples: readonly Sample[],
  batch = 4096,
): number[] {
  const out: number[] = [];
  const width = dataset.features.length;
  for (let from = 0; from < samples.length; from += batch) {
    const part = samples.slice(from, from + batch);
    const values = tf.tidy(() => {
      const x = tf.tensor3d(scaler.windows(dataset, part), [part.length, dataset.lookback, width]);
      return (model.predict(x) as Tensor).dataSync();
    });
    for (const value of values) {
      out.push(scaler.unscaleTarget(value));
    }
  }
  return out;
}

const forwards = new WeakMap<LayersModel, LstmForward | null>();

/**
 * The predicted log return of one sample: through `LstmForward` (plain JavaScript; LSTM(32) x 24
 * on wasm: ~0.5 ms against ~3.8 ms through TensorFlow.js) where the model has `buildLstm`'s
 * shape, else through TensorFlow.js. For models that only predict from now on (the live path):
 * the weights are read at the first call.
 */
export function predictOne(
  tf: TensorFlow,
  trained: Pick<TrainedModel, 'model' | 'scaler'>,
  dataset: Dataset,
  sample: Sample,
): number {
  let forward = forwards.get(trained.model);
  if (forward === undefined) {
    forward = LstmForward.of(trained.model) ?? null;
    forwards.set(trained.model, forward);
  }
  if (!forward) {
    return predictScaled(tf, trained.model, trained.scaler, dataset, [sample])[0]!;
  }
  return trained.scaler.unscaleTarget(forward.predict(trained.scaler.windows(dataset, [sample])));
}

/** JSON of a trained model's manifest plus its weights, through TensorFlow.js IO handlers. */
export async function saveModel(
  tf: TensorFlow,
  trained: TrainedModel,
): Promise<{ manifest: Record<string, unknown>; weightData: Buffer }> {
  let saved: { modelTopology: unknown; weightSpecs: unknown; weightData: ArrayBuffer } | undefined;
  await trained.model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = {
        modelTopology: artifacts.modelTopology,
        weightSpecs: artifacts.weightSpecs,
        weightData: artifacts.weightData as ArrayBuffer,
      };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) {
    throw new Error('TensorFlow.js did not hand over the model artifacts');
  }
  return {
    manifest: {
      format: 'tfjs-layers',
      modelTopology: saved.modelTopology,
      weightSpecs: saved.weightSpecs,
      scaler: trained.scaler.state,
      features: trained.features,
      params: trained.params,
      residualStd: trained.residualStd,
      epochsRun: trained.epochsRun,
      calibration: trained.calibration,
    },
    weightData: Buffer.from(saved.weightData),
  };
}

export async function loadModel(
  tf: TensorFlow,
  artifact: { manifest: Record<string, unknown>; weightData: Buffer },
): Promise<TrainedModel> {
  const manifest = artifact.manifest as {
    modelTopology: object;
    weightSpecs: Parameters<typeof tf.io.fromMemory>[1];
    scaler: ScalerState;
    features: FeatureName[];
    params: ModelParams;
    residualStd: number;
    epochsRun: number;
    calibration?: ForecastCalibration;
  };
  const weights = artifact.weightData.buffer.slice(
    artifact.weightData.byteOffset,
    artifact.weightData.byteOffset + artifact.weightData.byteLength,
  ) as ArrayBuffer;
  fastLstmCellClass(tf); // saved models name it; it must be registered before they load
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: manifest.modelTopology,
      weightSpecs: manifest.weightSpecs,
      weightData: weights,
    }),
  );
  return {
    model,
    scaler: new StandardScaler(manifest.scaler),
    features: manifest.features,
    params: manifest.params,
    residualStd: manifest.residualStd,
    epochsRun: manifest.epochsRun,
    calibration: manifest.calibration,
  };
}
