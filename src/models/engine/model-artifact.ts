import type { io } from '@tensorflow/tfjs';
import { StandardScaler, type ScalerState } from './dataset';
import { fastLstmCellClass } from './fast-lstm-cell';
import type { FeatureName } from './feature-spec';
import type { ForecastCalibration } from './forecast-calibration';
import { LayersPredictor } from './layers-predictor';
import { DEFAULT_MODEL_KIND, isModelKind } from './model-kind';
import type { ModelParams } from './model-params';
import { RidgePredictor } from './ridge-model';
import type { TensorFlow } from './tf-backend';
import {
  PREDICTOR,
  type ModelPredictor,
  type PredictorManifest,
  type TrainedModel,
} from './trained-model';

/**
 * A saved model's JSON: its kind, the kind's part (topology or ridge size), scaler, inputs,
 * params and calibration. Read back from the database: the kind is checked when it loads, and
 * models saved before calibration (or before kinds, all LSTMs) lack those keys.
 */
export type ModelManifest = {
  kind?: string;
  format?: PredictorManifest['format'];
  modelTopology?: io.ModelArtifacts['modelTopology'];
  weightSpecs?: io.ModelArtifacts['weightSpecs'];
  inputs?: number;
  scaler: ScalerState;
  features: readonly FeatureName[];
  params: ModelParams;
  residualStd: number;
  epochsRun: number;
  calibration?: ForecastCalibration;
};

/** A model's manifest plus its weights, as stored. */
export interface ModelArtifact {
  manifest: ModelManifest;
  weightData: Buffer;
}

/** JSON of a trained model's manifest (its kind, scaler, calibration...) plus its weights. */
export async function saveModel(tf: TensorFlow, trained: TrainedModel): Promise<ModelArtifact> {
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
export async function loadModel(tf: TensorFlow, artifact: ModelArtifact): Promise<TrainedModel> {
  const { manifest } = artifact;
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
