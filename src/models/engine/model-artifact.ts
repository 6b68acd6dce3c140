import { StandardScaler, type ScalerState } from './dataset';
import { fastLstmCellClass } from './fast-lstm-cell';
import type { FeatureName } from './feature-spec';
import type { ForecastCalibration } from './forecast-calibration';
import { LayersPredictor } from './layers-predictor';
import { DEFAULT_MODEL_KIND, isModelKind } from './model-kind';
import type { ModelParams } from './model-params';
import { RidgePredictor } from './ridge-model';
import type { TensorFlow } from './tf-backend';
import { PREDICTOR, type ModelPredictor, type TrainedModel } from './trained-model';

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
      );
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
