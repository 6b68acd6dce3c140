import type { Tensor } from '@tensorflow/tfjs';
import { StandardScaler, type Dataset, type Sample } from './dataset';
import { buildGru } from './gru-model';
import { disposeLayersModel, LayersPredictor } from './layers-predictor';
import { buildLstm } from './lstm-model';
import { DEFAULT_MODEL_KIND, type ModelKind } from './model-kind';
import type { ModelParams } from './model-params';
import { fitRidge, RidgePredictor } from './ridge-model';
import type { TensorFlow } from './tf-backend';
import { PREDICTOR, predictWith, type ModelPredictor, type TrainedModel } from './trained-model';

/** Too few candles or windows for the model asked for; training it again will not help. */
export class NotEnoughDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotEnoughDataError';
  }
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
