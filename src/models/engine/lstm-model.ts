import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { StandardScaler, type Dataset, type Sample, type ScalerState } from './dataset';
import { fastLstmCellClass } from './fast-lstm-cell';
import type { FeatureName } from './feature-spec';
import type { ForecastCalibration } from './forecast';
import { buildGru } from './gru-model';
import { LstmForward } from './lstm-forward';
import { DEFAULT_MODEL_KIND, isModelKind, type ModelKind } from './model-kind';
import { fitRidge, RidgePredictor } from './ridge-model';
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
  /** L2 penalty of the `linear` kind's ridge regression (the other kinds ignore it). */
  l2: number;
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
  l2: { min: 0, max: 1e6, integer: false, default: 1 },
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

/**
 * What each model kind implements, on scaled windows and scaled targets (the scaler is the
 * caller's): TensorFlow.js layers for `lstm` and `gru`, ridge weights for `linear`. Callers never
 * hold one: they go through `predictBatch`, `predictOne`, `saveModel` and `disposeModel`.
 */
export interface ModelPredictor {
  /** Outputs of `count` windows, flattened [sample][step][feature]. */
  predictWindows(tf: TensorFlow, windows: Float32Array, count: number): ArrayLike<number>;
  /** The output of one window (the live path; the weights no longer change). */
  predictWindow(tf: TensorFlow, window: Float32Array): number;
  /** The kind's part of the manifest (with its `format`) and its weights. */
  save(tf: TensorFlow): Promise<{ manifest: Record<string, unknown>; weightData: Buffer }>;
  /** Frees what the garbage collector does not (tensors). */
  dispose(): void;
}

const PREDICTOR = Symbol('predictor');

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
  /** Shrinkage and residual distribution per served horizon (see forecast.ts); set after training. */
  calibration?: ForecastCalibration;
  readonly [PREDICTOR]: ModelPredictor;
}

export function buildLstm(tf: TensorFlow, params: ModelParams, featureCount: number): LayersModel {
  const FastLstmCell = fastLstmCellClass(tf);
  return buildRecurrent(tf, params, featureCount, (options) =>
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
      ...options,
    }),
  );
}

/**
 * The recurrent kinds' shape: `params.layers` recurrent layers made by `layer` (the last returns
 * only its final state), dropout after each, one dense output, Adam on the mean squared error.
 */
export function buildRecurrent(
  tf: TensorFlow,
  params: ModelParams,
  featureCount: number,
  layer: (options: {
    returnSequences: boolean;
    inputShape?: number[];
  }) => ReturnType<TensorFlow['layers']['rnn']>,
): LayersModel {
  const model = tf.sequential();
  for (let index = 0; index < params.layers; index++) {
    model.add(
      layer({
        returnSequences: index < params.layers - 1,
        ...(index === 0 ? { inputShape: [params.lookback, featureCount] } : {}),
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
 * Trains a model of `kind` (default lstm) on `train`, its last `validationFraction` held out
 * (chronologically): the scaler is fitted on the rest, and the validation residuals give
 * `residualStd`. The TensorFlow.js kinds stop early on the validation loss and keep their best
 * weights; `linear` is fitted once in closed form (one progress report). `shouldStop` is checked
 * after every batch (before and after the ridge fit).
 */
export async function trainModel(params: {
  tf: TensorFlow;
  dataset: Dataset;
  train: readonly Sample[];
  params: ModelParams;
  kind?: ModelKind;
  onEpoch?: (progress: EpochProgress) => Promise<void> | void;
  shouldStop?: () => boolean;
  /** Awaited between batches: the live path's turn (HotPath.idle in workers). */
  pause?: () => Promise<void>;
}): Promise<TrainedModel> {
  const { tf, dataset } = params;
  const kind = params.kind ?? DEFAULT_MODEL_KIND;
  const p = params.params;
  const cut = Math.max(1, Math.floor(params.train.length * (1 - p.validationFraction)));
  const fit = params.train.slice(0, cut);
  const validation = params.train.slice(cut);
  // A network needs a few batches; a ridge regression any rows (and, without l2, independent ones).
  const enough = kind === 'linear' ? fit.length >= 2 : fit.length >= p.batchSize / 4;
  if (!enough || validation.length < 1) {
    throw new NotEnoughDataError(
      `Too few samples to train: ${fit.length} for training and ${validation.length} for validation${kind === 'linear' ? '' : ` (batch size ${p.batchSize})`}`,
    );
  }
  const scaler = StandardScaler.fit(dataset, fit);
  const part = { tf, dataset, scaler, fit, validation, params: p };
  const { predictor, epochsRun } =
    kind === 'linear'
      ? await fitLinear({ ...part, onEpoch: params.onEpoch, shouldStop: params.shouldStop })
      : await trainNetwork({
          ...part,
          kind,
          onEpoch: params.onEpoch,
          shouldStop: params.shouldStop,
          pause: params.pause,
        });
  try {
    const validationPredictions = predictWith(tf, predictor, scaler, dataset, validation);
    const residuals = validation.map((sample, i) => sample.target - validationPredictions[i]!);
    const residualStd =
      Math.sqrt(residuals.reduce((a, r) => a + r * r, 0) / Math.max(1, residuals.length)) || 1e-9;
    return {
      kind,
      scaler,
      features: dataset.features,
      params: p,
      residualStd,
      epochsRun,
      [PREDICTOR]: predictor,
    };
  } catch (error) {
    predictor.dispose();
    throw error;
  }
}

interface TrainingPart {
  tf: TensorFlow;
  dataset: Dataset;
  scaler: StandardScaler;
  fit: readonly Sample[];
  validation: readonly Sample[];
  params: ModelParams;
  onEpoch?: (progress: EpochProgress) => Promise<void> | void;
  shouldStop?: () => boolean;
  /** Awaited between batches: the live path's turn (HotPath.idle in workers). */
  pause?: () => Promise<void>;
}

/** `lstm` and `gru`: Adam in epochs with early stopping; the best weights are restored. */
async function trainNetwork(
  part: TrainingPart & { kind: 'lstm' | 'gru' },
): Promise<{ predictor: ModelPredictor; epochsRun: number }> {
  const { tf, dataset, scaler, fit, validation, params: p } = part;
  const width = dataset.features.length;
  const tensor = (samples: readonly Sample[]) => ({
    x: tf.tensor3d(scaler.windows(dataset, samples), [samples.length, dataset.lookback, width]),
    y: tf.tensor2d(scaler.scaleTargets(samples), [samples.length, 1]),
  });
  const fitData = tensor(fit);
  const validationData = tensor(validation);
  const model = part.kind === 'gru' ? buildGru(tf, p, width) : buildLstm(tf, p, width);
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
            if (part.shouldStop?.()) {
              cancelled = true;
              model.stopTraining = true;
            }
            await part.pause?.();
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
      await part.onEpoch?.({
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
    return {
      predictor: new LayersPredictor(part.kind, model, dataset.lookback, width),
      epochsRun,
    };
  } catch (error) {
    disposeLayersModel(model);
    throw error;
  } finally {
    bestWeights?.forEach((weight) => weight.dispose());
    for (const data of [fitData, validationData]) {
      data.x.dispose();
      data.y.dispose();
    }
  }
}

/** `linear`: ridge regression on the flattened scaled windows, in closed form (one "epoch"). */
async function fitLinear(part: TrainingPart): Promise<{ predictor: ModelPredictor; epochsRun: 1 }> {
  const { tf, dataset, scaler, fit, validation, params: p } = part;
  if (part.shouldStop?.()) {
    throw new TrainingCancelledError();
  }
  const started = Date.now();
  const columns = dataset.lookback * dataset.features.length;
  const targets = (samples: readonly Sample[]) =>
    Float64Array.from(
      samples,
      (sample) => (sample.target - scaler.state.targetMean) / scaler.state.targetStd,
    );
  const x = scaler.windows(dataset, fit);
  const y = targets(fit);
  let predictor: RidgePredictor;
  try {
    predictor = new RidgePredictor(fitRidge({ x, y, rows: fit.length, columns, l2: p.l2 }));
  } catch (error) {
    if (error instanceof RangeError) {
      throw new NotEnoughDataError(
        `The ridge regression of ${fit.length} windows on ${columns} inputs has no unique solution with l2 = ${p.l2} (constant or collinear inputs); train with params.l2 above 0`,
      );
    }
    throw error;
  }
  if (part.shouldStop?.()) {
    throw new TrainingCancelledError();
  }
  const meanSquaredError = (scaled: Float64Array, windows: Float32Array) => {
    const predicted = predictor.predictWindows(tf, windows, scaled.length);
    return scaled.reduce((a, value, i) => a + (value - predicted[i]!) ** 2, 0) / scaled.length;
  };
  const seconds = (Date.now() - started) / 1000;
  await part.onEpoch?.({
    epoch: 1,
    epochs: 1,
    loss: meanSquaredError(y, x),
    valLoss: meanSquaredError(targets(validation), scaler.windows(dataset, validation)),
    samplesPerSecond: fit.length / Math.max(seconds, 1e-3),
    etaMs: 0,
  });
  return { predictor, epochsRun: 1 };
}

/** A TensorFlow.js model (`lstm`, `gru`) with one-window predictions through `LstmForward` for the LSTM. */
class LayersPredictor implements ModelPredictor {
  /** Undefined until the first `predictWindow`; null where the model has no JavaScript forward pass. */
  private forward: LstmForward | null | undefined;

  constructor(
    readonly kind: 'lstm' | 'gru',
    private readonly model: LayersModel,
    private readonly lookback: number,
    private readonly featureCount: number,
  ) {}

  predictWindows(tf: TensorFlow, windows: Float32Array, count: number): Float32Array {
    return tf.tidy(() => {
      const x = tf.tensor3d(windows, [count, this.lookback, this.featureCount]);
      return (this.model.predict(x) as Tensor).dataSync<'float32'>();
    });
  }

  /**
   * The LSTM through `LstmForward` (plain JavaScript; LSTM(32) x 24 on wasm: ~0.5 ms against
   * ~3.8 ms through TensorFlow.js), whose weights are read at the first call; the GRU (and an
   * LSTM of another shape) through TensorFlow.js.
   */
  predictWindow(tf: TensorFlow, window: Float32Array): number {
    if (this.forward === undefined) {
      this.forward = this.kind === 'lstm' ? (LstmForward.of(this.model) ?? null) : null;
    }
    return this.forward ? this.forward.predict(window) : this.predictWindows(tf, window, 1)[0]!;
  }

  /** Topology and weights through TensorFlow.js IO handlers. */
  async save(tf: TensorFlow): Promise<{ manifest: Record<string, unknown>; weightData: Buffer }> {
    let saved:
      { modelTopology: unknown; weightSpecs: unknown; weightData: ArrayBuffer } | undefined;
    await this.model.save(
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
      },
      weightData: Buffer.from(saved.weightData),
    };
  }

  dispose(): void {
    disposeLayersModel(this.model);
  }
}

/** Frees a model's tensors: its weights and its optimizer's state (its Adam moments). */
export function disposeModel(trained: TrainedModel): void {
  trained[PREDICTOR].dispose();
}

/** Frees a TensorFlow.js model's weights and its optimizer's state (not freed with the model). */
export function disposeLayersModel(model: LayersModel): void {
  model.optimizer?.dispose();
  model.dispose();
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

function predictWith(
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

/** JSON of a trained model's manifest (its kind, scaler, calibration...) plus its weights. */
export async function saveModel(
  tf: TensorFlow,
  trained: TrainedModel,
): Promise<{ manifest: Record<string, unknown>; weightData: Buffer }> {
  const saved = await trained[PREDICTOR].save(tf);
  return {
    manifest: {
      kind: trained.kind,
      ...saved.manifest,
      scaler: trained.scaler.state,
      features: trained.features,
      params: trained.params,
      residualStd: trained.residualStd,
      epochsRun: trained.epochsRun,
      calibration: trained.calibration,
    },
    weightData: saved.weightData,
  };
}

/** A model saved by `saveModel`, of the kind its manifest names (lstm when it names none). */
export async function loadModel(
  tf: TensorFlow,
  artifact: { manifest: Record<string, unknown>; weightData: Buffer },
): Promise<TrainedModel> {
  const manifest = artifact.manifest as {
    kind?: unknown;
    modelTopology?: object;
    weightSpecs?: Parameters<typeof tf.io.fromMemory>[1];
    inputs?: number;
    scaler: ScalerState;
    features: FeatureName[];
    params: ModelParams;
    residualStd: number;
    epochsRun: number;
    calibration?: ForecastCalibration;
  };
  const kind = manifest.kind ?? DEFAULT_MODEL_KIND;
  if (!isModelKind(kind)) {
    throw new Error(`The stored model is of an unknown kind ${JSON.stringify(kind)}`);
  }
  let predictor: ModelPredictor;
  switch (kind) {
    case 'linear': {
      const inputs = manifest.params.lookback * manifest.features.length;
      if (manifest.inputs !== inputs) {
        throw new Error(
          `The stored ridge model has ${manifest.inputs} inputs, not lookback x features = ${inputs}`,
        );
      }
      predictor = RidgePredictor.fromArtifact({ inputs }, artifact.weightData);
      break;
    }
    case 'lstm':
    case 'gru': {
      const weights = artifact.weightData.buffer.slice(
        artifact.weightData.byteOffset,
        artifact.weightData.byteOffset + artifact.weightData.byteLength,
      ) as ArrayBuffer;
      fastLstmCellClass(tf); // saved LSTMs name it; it must be registered before they load
      const model = await tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: manifest.modelTopology,
          weightSpecs: manifest.weightSpecs,
          weightData: weights,
        }),
      );
      predictor = new LayersPredictor(
        kind,
        model,
        manifest.params.lookback,
        manifest.features.length,
      );
      break;
    }
  }
  return {
    kind,
    scaler: new StandardScaler(manifest.scaler),
    features: manifest.features,
    params: manifest.params,
    residualStd: manifest.residualStd,
    epochsRun: manifest.epochsRun,
    calibration: manifest.calibration,
    [PREDICTOR]: predictor,
  };
}
