import type { LayersModel } from '@tensorflow/tfjs';
import type { ModelParams } from './lstm-model';
import type { TensorFlow } from './tf-backend';

/**
 * The `gru` kind's network: `buildLstm`'s shape (stacked recurrent layers, dropout after each, one
 * dense output, Adam on the mean squared error) with `tf.layers.gru`, the logistic sigmoid for its
 * gates and Glorot recurrent weights, like the LSTM. It is trained by `trainModel`'s loop (early
 * stopping restores the best weights) and predicts through TensorFlow.js, one window too.
 */
export function buildGru(tf: TensorFlow, params: ModelParams, featureCount: number): LayersModel {
  const model = tf.sequential();
  for (let layer = 0; layer < params.layers; layer++) {
    model.add(
      tf.layers.gru({
        units: params.units,
        recurrentInitializer: 'glorotUniform',
        recurrentActivation: 'sigmoid',
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
