import type { LayersModel } from '@tensorflow/tfjs';
import { fastLstmCellClass } from './fast-lstm-cell';
import type { ModelParams } from './model-params';
import type { TensorFlow } from './tf-backend';

/** The `lstm` kind: `buildRecurrent` with a `FastLstmCell` per layer. */
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
