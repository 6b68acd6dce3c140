import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import { chronologicalSplit } from './dataset';
import { fitCalibration, volatilitySeries } from './forecast-calibration';
import { predictLatest } from './latest-forecast';
import { disposeLayersModel } from './layers-predictor';
import { LstmForward } from './lstm-forward';
import { buildLstm } from './lstm-model';
import { HOUR_MS } from '../../simulator/candle-series.fixtures';
import { CANDLES, TINY, tinyDataset } from './lstm-model.fixtures';
import { loadModel, saveModel } from './model-artifact';
import { resolveModelParams } from './model-params';
import { trainModel } from './model-training';
import { loadTensorFlow } from './tf-backend';
import { disposeModel, predictBatch } from './trained-model';

describe('the LSTM', () => {
  it('trains with flat tensor counts, and a saved and loaded model predicts exactly the same', async () => {
    const { tf } = await loadTensorFlow();
    const dataset = tinyDataset();
    const { train, test } = chronologicalSplit(dataset.samples, 0.8);
    const counts: number[] = [];
    const trained = await trainModel({
      tf,
      dataset,
      train,
      params: TINY,
      onEpoch: () => {
        counts.push(tf.memory().numTensors);
      },
    });
    expect(counts).toHaveLength(3);
    // Each epoch ends with the same tensors alive (the best weights swap one copy for another).
    expect(new Set(counts.slice(1)).size).toBe(1);
    // The live path serves calibrated distributions: fit one (here on the training windows).
    const fitted = predictBatch(tf, trained, dataset, train);
    trained.calibration = fitCalibration({
      candles: CANDLES,
      intervalMs: HOUR_MS,
      volatility: volatilitySeries(CANDLES),
      points: train.map((sample, i) => ({
        end: sample.end,
        predicted: fitted[i]!,
      })),
      horizons: [1, 4],
      source: 'validation',
    });
    const before = tf.memory().numTensors;
    const first = predictBatch(tf, trained, dataset, test);
    for (let i = 0; i < 5; i++) {
      predictBatch(tf, trained, dataset, test);
      predictLatest({ tf, trained, candles: CANDLES, intervalMs: HOUR_MS });
    }
    expect(tf.memory().numTensors).toBe(before);
    const artifact = await saveModel(tf, trained);
    const json = JSON.parse(JSON.stringify(artifact.manifest)) as typeof artifact.manifest;
    const loaded = await loadModel(tf, {
      manifest: json,
      weightData: Buffer.from(artifact.weightData),
    });
    const again = predictBatch(tf, loaded, dataset, test);
    expect(Float32Array.from(again)).toEqual(Float32Array.from(first));
    expect(again).toEqual(first);
    // The live path's single-window prediction too.
    const latest = predictLatest({ tf, trained, candles: CANDLES, intervalMs: HOUR_MS });
    expect(latest).toBeDefined();
    expect(predictLatest({ tf, trained: loaded, candles: CANDLES, intervalMs: HOUR_MS })).toEqual(
      latest,
    );
    disposeModel(trained);
    disposeModel(loaded);
  }, 60_000);

  it('uses an LSTM cell that computes what tf.layers.lstm computes, gradients included', async () => {
    const { tf } = await loadTensorFlow();
    const params = resolveModelParams({ units: 8, lookback: 6, dropout: 0 });
    const ours = buildLstm(tf, params, 3);
    const stock = tf.sequential();
    stock.add(tf.layers.lstm({ units: 8, inputShape: [6, 3], recurrentActivation: 'sigmoid' }));
    stock.add(tf.layers.dense({ units: 1 }));
    stock.setWeights(ours.getWeights());
    const x = tf.randomNormal([16, 6, 3], 0, 1, 'float32', 7);
    const y = tf.randomNormal([16, 1], 0, 1, 'float32', 8);
    const gradients = (model: typeof ours) => {
      const variables = model.trainableWeights.map((weight) => weight.read() as Variable);
      const { value, grads } = tf.variableGrads(
        () =>
          tf.losses.meanSquaredError<Tensor, Scalar>(
            y,
            model.apply(x, { training: true }) as Tensor,
          ),
        variables,
      );
      return {
        loss: value.dataSync()[0]!,
        grads: variables.map((variable) => Array.from(grads[variable.name]!.dataSync())),
      };
    };
    const [a, b] = [gradients(ours), gradients(stock)];
    expect(a.loss).toBeCloseTo(b.loss, 6);
    a.grads.forEach((grad, i) =>
      grad.forEach((value, k) => expect(value).toBeCloseTo(b.grads[i]![k]!, 5)),
    );
    expect(Array.from((ours.predict(x) as Tensor).dataSync())).toEqual(
      Array.from((stock.predict(x) as Tensor).dataSync()),
    );
    disposeLayersModel(ours);
    disposeLayersModel(stock);
    tf.dispose([x, y]);
  });

  it('predicts one window in JavaScript what TensorFlow.js predicts, for every shape buildLstm makes', async () => {
    const { tf } = await loadTensorFlow();
    const shapes = [
      { layers: 1, units: 8, lookback: 6, dropout: 0 },
      { layers: 2, units: 12, lookback: 5, dropout: 0.2 },
    ];
    for (const shape of shapes) {
      const model = buildLstm(tf, resolveModelParams(shape), 4);
      const forward = LstmForward.of(model);
      expect(forward).toBeDefined();
      const x = tf.randomNormal([8, shape.lookback, 4], 0, 1.5, 'float32', 11);
      const expected = (model.predict(x) as Tensor).dataSync();
      const windows = x.dataSync<'float32'>();
      const size = shape.lookback * 4;
      for (let n = 0; n < 8; n++) {
        const value = forward!.predict(windows.subarray(n * size, (n + 1) * size));
        expect(Math.abs(value - expected[n]!)).toBeLessThan(1e-5 * Math.max(1, Math.abs(value)));
      }
      expect(() => forward!.predict(new Float32Array(size - 1))).toThrow(/window of/);
      disposeLayersModel(model);
      tf.dispose(x);
    }
    // The stock layer (hard sigmoid gates) also has buildLstm's shape.
    const stock = tf.sequential();
    stock.add(tf.layers.lstm({ units: 6, inputShape: [4, 3] }));
    stock.add(tf.layers.dense({ units: 1 }));
    const x = tf.randomNormal([1, 4, 3], 0, 2, 'float32', 3);
    const value = LstmForward.of(stock)!.predict(x.dataSync<'float32'>());
    expect(value).toBeCloseTo((stock.predict(x) as Tensor).dataSync()[0]!, 5);
    // Other shapes go through TensorFlow.js.
    const other = tf.sequential();
    other.add(tf.layers.dense({ units: 1, inputShape: [3] }));
    expect(LstmForward.of(other)).toBeUndefined();
    const perStep = tf.sequential();
    perStep.add(tf.layers.lstm({ units: 4, inputShape: [4, 3], returnSequences: true }));
    perStep.add(tf.layers.dense({ units: 1 }));
    expect(LstmForward.of(perStep)).toBeUndefined();
    disposeLayersModel(perStep);
    tf.dispose(x);
    disposeLayersModel(stock);
    disposeLayersModel(other);
  });
});
