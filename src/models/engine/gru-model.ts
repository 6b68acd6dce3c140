import type { LayersModel } from '@tensorflow/tfjs';
import { buildRecurrent } from './lstm-model';
import type { ModelParams } from './model-params';
import type { TensorFlow } from './tf-backend';

/**
 * The `gru` kind's network: `buildLstm`'s shape (stacked recurrent layers, dropout after each, one
 * dense output, Adam on the mean squared error) with `tf.layers.gru`, the logistic sigmoid for its
 * gates and Glorot recurrent weights, like the LSTM. It is trained by `trainModel`'s loop (early
 * stopping restores the best weights) and predicts through TensorFlow.js, one window too.
 */
export function buildGru(tf: TensorFlow, params: ModelParams, featureCount: number): LayersModel {
  return buildRecurrent(tf, params, featureCount, (options) =>
    tf.layers.gru({
      units: params.units,
      recurrentInitializer: 'glorotUniform',
      recurrentActivation: 'sigmoid',
      ...options,
    }),
  );
}
