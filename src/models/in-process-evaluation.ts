import { intervalMs } from '../market-data/market-catalogue';
import type { FeatureName } from './engine/feature-spec';
import type { ModelKind } from './engine/model-kind';
import type { ModelParams } from './engine/model-params';
import type { EpochProgress } from './engine/model-training';
import { loadTensorFlow, type TfBackend } from './engine/tf-backend';
import { runTraining, type TrainingOutcome } from './engine/training-pipeline';
import { sourceModelInputs, type CandleSource, type WithApp } from './in-process-inputs';

/** A model to train and evaluate in this process, its inputs and split already checked. */
export interface ModelEvaluationRequest {
  source: CandleSource;
  kind: ModelKind;
  params: ModelParams;
  /** The chosen inputs in canonical form; sentiment joins where a series covers the candles. */
  features: readonly FeatureName[];
  horizons: readonly number[];
  /** First candle of the test set; default: the last 20%. */
  testFrom?: number;
  walkForwardFolds: number;
}

/** What a run took besides its outcome: the TensorFlow backend, seconds, candles. */
export interface ModelEvaluationRun {
  backend: string;
  seconds: number;
  candles: number;
}

/**
 * A training job's run (`runTraining` on the inputs ModelInputs gathers, as TrainingService.train
 * does, three epochs per walk-forward fold) in this process, on a stored market or a candle CSV,
 * returned instead of stored.
 */
export async function evaluateModel(
  request: ModelEvaluationRequest,
  env: {
    withApp: WithApp;
    tfBackend?: TfBackend;
    /** Called once the inputs are read, before the first epoch. */
    onTrainingStart?: () => void;
    onEpoch?: (progress: EpochProgress & { stage: string }) => void;
  },
): Promise<{ outcome: TrainingOutcome; run: ModelEvaluationRun }> {
  const { candles, features, sentiment, markets } = await sourceModelInputs(
    env.withApp,
    request.source,
    request.features,
  );
  const { tf, backend } = await loadTensorFlow(env.tfBackend);
  env.onTrainingStart?.();
  const started = Date.now();
  const outcome = await runTraining({
    tf,
    candles,
    intervalMs: intervalMs(request.source.interval),
    features,
    sentiment: sentiment?.values,
    markets,
    params: request.params,
    kind: request.kind,
    horizons: request.horizons,
    testFrom: request.testFrom,
    walkForwardFolds: request.walkForwardFolds,
    walkForwardEpochs: 3,
    onEpoch: env.onEpoch,
  });
  return {
    outcome,
    run: { backend, seconds: (Date.now() - started) / 1000, candles: candles.length },
  };
}
