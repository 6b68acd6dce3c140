import { join } from 'node:path';
import type { Candle } from '../../market-data/candle';
import { readCandleCsv } from '../../simulator/candle-series';
import {
  buildDataset,
  chronologicalSplit,
  latestWindow,
  purge,
  StandardScaler,
  walkForwardFolds,
} from './dataset';
import { evaluate, metricsOf, normalCdf } from './evaluation';
import { DEFAULT_FEATURES } from './feature-spec';
import { fitCalibration, volatilitySeries } from './forecast-calibration';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import { disposeLayersModel } from './layers-predictor';
import { buildLstm } from './lstm-model';
import { loadModel, saveModel } from './model-artifact';
import { ModelParamsError, resolveModelParams } from './model-params';
import { trainModel } from './model-training';
import { disposeModel, predictBatch, predictOne } from './trained-model';
import { LstmForward } from './lstm-forward';
import { MODEL_KINDS } from './model-kind';
import { predictLatest } from './latest-forecast';
import { NotEnoughDataError, runTraining } from './training-pipeline';
import { loadTensorFlow } from './tf-backend';
import { walkForwardPredictions } from './walk-forward-predictions';

const HOUR_MS = 3_600_000;
const CANDLES = readCandleCsv(
  join(
    __dirname,
    '..',
    '..',
    '..',
    'test',
    'fixtures',
    'klines',
    'BTCUSDT-1h-2022-08-20_2022-09-30.csv',
  ),
);
const TINY = resolveModelParams({
  layers: 1,
  units: 8,
  lookback: 8,
  epochs: 3,
  batchSize: 64,
  patience: 0,
});

describe('model parameters', () => {
  it('fill defaults and refuse bad or unknown ones, naming each', () => {
    expect(resolveModelParams()).toMatchObject({
      layers: 1,
      units: 32,
      lookback: 24,
      horizon: 1,
      epochs: 30,
    });
    try {
      resolveModelParams({ units: 0, lookback: 8.5, dropout: 'x' as unknown as number, colour: 1 });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ModelParamsError);
      expect((error as ModelParamsError).problems.map((p) => p.field).sort()).toEqual([
        'params.colour',
        'params.dropout',
        'params.lookback',
        'params.units',
      ]);
    }
  });
});

describe('metrics', () => {
  const sample = (close: number, targetClose: number) => ({
    end: 0,
    openTime: 0,
    close,
    targetClose,
    target: Math.log(targetClose / close),
  });

  it('are the close-price errors of the predicted returns, computed by hand', () => {
    const samples = [sample(100, 110), sample(200, 190), sample(50, 50)];
    const predicted = [Math.log(1.05), Math.log(0.9), 0.01];
    // Predicted closes 105, 180, 50.50249...; errors -5, -10, +0.50249.
    const errors = [5, 10, 50 * Math.exp(0.01) - 50];
    const metrics = metricsOf(samples, predicted);
    expect(metrics.mae).toBeCloseTo((errors[0]! + errors[1]! + errors[2]!) / 3, 10);
    expect(metrics.rmse).toBeCloseTo(Math.sqrt((25 + 100 + errors[2]! ** 2) / 3), 10);
    expect(metrics.mape).toBeCloseTo(((5 / 110 + 10 / 190 + errors[2]! / 50) / 3) * 100, 10);
    // Two candles moved; both directions right.
    expect(metrics.directionalAccuracy).toBe(1);
    const all = evaluate({
      test: samples,
      predictedReturns: predicted,
      trainReturns: [0.02, -0.01],
    });
    expect(all.persistence.mae).toBeCloseTo((10 + 10 + 0) / 3, 10);
    expect(all.persistence.directionalAccuracy).toBeNull();
    expect(all.drift.mae).toBeCloseTo(
      (Math.abs(100 * Math.exp(0.005) - 110) +
        Math.abs(200 * Math.exp(0.005) - 190) +
        Math.abs(50 * Math.exp(0.005) - 50)) /
        3,
      10,
    );
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 3);
  });
});

describe('dataset', () => {
  it('drops windows that cross a gap in the candles', () => {
    const withGap = CANDLES.filter((_, i) => i !== 500);
    const full = buildDataset({
      candles: CANDLES,
      intervalMs: HOUR_MS,
      features: DEFAULT_FEATURES,
      lookback: 8,
      horizon: 1,
    });
    const gapped = buildDataset({
      candles: withGap,
      intervalMs: HOUR_MS,
      features: DEFAULT_FEATURES,
      lookback: 8,
      horizon: 1,
    });
    const gapTime = CANDLES[500]!.openTime;
    // No window (and its target) spans the missing hour.
    for (const s of gapped.samples) {
      expect(s.openTime - 8 * HOUR_MS < gapTime && s.openTime + HOUR_MS > gapTime).toBe(false);
    }
    expect(gapped.samples.length).toBeLessThan(full.samples.length - 8);
  });

  it('gives the live path the same last window as the full dataset, and none across a gap', () => {
    const spec = { intervalMs: HOUR_MS, features: DEFAULT_FEATURES, lookback: 8 };
    for (const end of [600, 700, CANDLES.length]) {
      const candles = CANDLES.slice(0, end);
      const full = buildDataset({ ...spec, candles, horizon: 0 });
      const live = latestWindow({ ...spec, candles })!;
      expect(live.sample).toEqual(full.samples[full.samples.length - 1]);
      for (let i = end - 8; i < end; i++) {
        expect(live.dataset.rows[i]).toEqual(full.rows[i]);
      }
    }
    const withGap = CANDLES.slice(0, 700).filter((_, i) => i !== 695);
    expect(latestWindow({ ...spec, candles: withGap })).toBeUndefined();
    expect(latestWindow({ ...spec, candles: CANDLES.slice(0, 5) })).toBeUndefined();
  });

  it('has no look-ahead: changing candles after a window leaves its features and target alone', () => {
    const cut = 700;
    const changed: Candle[] = CANDLES.map((candle, i) =>
      i > cut + 1
        ? {
            ...candle,
            close: candle.close * 1.5,
            high: candle.high * 1.5,
            volume: candle.volume * 9,
          }
        : candle,
    );
    const a = buildDataset({
      candles: CANDLES,
      intervalMs: HOUR_MS,
      features: DEFAULT_FEATURES,
      lookback: 8,
      horizon: 1,
    });
    const b = buildDataset({
      candles: changed,
      intervalMs: HOUR_MS,
      features: DEFAULT_FEATURES,
      lookback: 8,
      horizon: 1,
    });
    for (let i = 0; i <= cut; i++) {
      expect(b.rows[i]).toEqual(a.rows[i]);
    }
    const before = (d: typeof a) => d.samples.filter((s) => s.end + 1 <= cut + 1);
    expect(before(b)).toEqual(before(a));
  });

  it('fits the scaler on training rows only, and purges training targets that reach into the test', () => {
    const dataset = buildDataset({
      candles: CANDLES,
      intervalMs: HOUR_MS,
      features: DEFAULT_FEATURES,
      lookback: 8,
      horizon: 3,
    });
    const { train, test } = chronologicalSplit(dataset.samples, 0.8);
    const purged = purge(train, test, 3);
    expect(purged.every((s) => s.end + 3 <= test[0]!.end)).toBe(true);
    const scaler = StandardScaler.fit(dataset, purged);
    const lastTrainRow = purged[purged.length - 1]!.end;
    const tampered = {
      ...dataset,
      rows: dataset.rows.map((row, i) =>
        i > lastTrainRow && row ? row.map((v) => v * 1000) : row,
      ),
    };
    expect(StandardScaler.fit(tampered, purged).state).toEqual(scaler.state);
    const folds = walkForwardFolds(dataset.samples, { folds: 3, minTrainFraction: 0.5 });
    expect(folds).toHaveLength(3);
    expect(folds.every((fold) => fold.train[fold.train.length - 1]!.end < fold.test[0]!.end)).toBe(
      true,
    );
  });
});

describe('the training pipeline', () => {
  it('frees the trained model when a walk-forward fold is too small to train, and says so as not enough data', async () => {
    const { tf } = await loadTensorFlow();
    const before = tf.memory().numTensors;
    let stage: string | undefined;
    // 300 candles and batches of 512: the main model trains, the first fold has too few samples.
    await expect(
      runTraining({
        tf,
        candles: CANDLES.slice(0, 300),
        intervalMs: HOUR_MS,
        features: DEFAULT_FEATURES,
        params: resolveModelParams({
          units: 4,
          lookback: 8,
          epochs: 1,
          batchSize: 512,
          patience: 0,
        }),
        walkForwardFolds: 3,
        onEpoch: (progress) => {
          stage = progress.stage;
        },
      }),
    ).rejects.toThrow(NotEnoughDataError);
    expect(stage).toBe('train');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('walk-forward predictions', () => {
  it('skip a block whose history has gaps enough to leave too few windows, and go on', async () => {
    const { tf } = await loadTensorFlow();
    // 600 candles with every third one missing, then the rest whole.
    const gappy = CANDLES.slice(0, 600).filter((_, i) => i % 3 !== 2);
    const candles = [...gappy, ...CANDLES.slice(600)];
    const result = await walkForwardPredictions({
      tf,
      candles,
      start: gappy.length,
      intervalMs: HOUR_MS,
      modelParams: resolveModelParams({
        units: 4,
        lookback: 8,
        epochs: 1,
        batchSize: 64,
        patience: 0,
      }),
      retrainEvery: 150,
      trainingCandles: 400,
    });
    expect(result.blocks).toHaveLength(1);
    expect(result.blocks[0]!.predictsFrom).toBe(candles[gappy.length + 300]!.openTime);
    expect(result.predictions.size).toBe(candles.length - gappy.length - 300);
  });
});

describe('the LSTM', () => {
  it('trains with flat tensor counts, and a saved and loaded model predicts exactly the same', async () => {
    const { tf } = await loadTensorFlow();
    const dataset = buildDataset({
      candles: CANDLES,
      intervalMs: HOUR_MS,
      features: DEFAULT_FEATURES,
      lookback: TINY.lookback,
      horizon: 1,
    });
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
    const json = JSON.parse(JSON.stringify(artifact.manifest)) as Record<string, unknown>;
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

describe('every model kind', () => {
  const dataset = buildDataset({
    candles: CANDLES,
    intervalMs: HOUR_MS,
    features: DEFAULT_FEATURES,
    lookback: TINY.lookback,
    horizon: 1,
  });
  const { train, test } = chronologicalSplit(dataset.samples, 0.8);

  it.each(MODEL_KINDS)(
    '%s: trains, saves, loads from JSON and predicts bit-identically, and frees every tensor',
    async (kind) => {
      const { tf } = await loadTensorFlow();
      const start = tf.memory().numTensors;
      const progress: number[] = [];
      const counts: number[] = [];
      const trained = await trainModel({
        tf,
        dataset,
        train,
        params: TINY,
        kind,
        onEpoch: (p) => {
          progress.push(p.epoch);
          counts.push(tf.memory().numTensors);
        },
      });
      // Each epoch ends with the same tensors alive (the best weights swap one copy for another).
      expect(new Set(counts.slice(1)).size).toBeLessThanOrEqual(1);
      expect(trained.kind).toBe(kind);
      expect(trained.epochsRun).toBe(kind === 'linear' ? 1 : TINY.epochs);
      expect(progress).toEqual(kind === 'linear' ? [1] : [1, 2, 3]);
      expect(trained.residualStd).toBeGreaterThan(0);
      const fitted = predictBatch(tf, trained, dataset, train);
      trained.calibration = fitCalibration({
        candles: CANDLES,
        intervalMs: HOUR_MS,
        volatility: volatilitySeries(CANDLES),
        points: train.map((sample, i) => ({ end: sample.end, predicted: fitted[i]! })),
        horizons: [1, 4],
        source: 'validation',
      });
      const trainedTensors = tf.memory().numTensors;
      const batch = predictBatch(tf, trained, dataset, test);
      // Batches of 100 give the same numbers as one batch.
      expect(predictBatch(tf, trained, dataset, test, 100)).toEqual(batch);
      const ones = test.slice(-20).map((sample) => predictOne(tf, trained, dataset, sample));
      expect(batch.every(Number.isFinite)).toBe(true);
      // Standard deviations of the log return: far from the scaled target's units.
      expect(Math.max(...batch.map(Math.abs))).toBeLessThan(0.1);
      ones.forEach((value, i) =>
        expect(Math.abs(value - batch[batch.length - 20 + i]!)).toBeLessThan(1e-6),
      );
      expect(tf.memory().numTensors).toBe(trainedTensors);

      const artifact = await saveModel(tf, trained);
      const manifest = JSON.parse(JSON.stringify(artifact.manifest)) as Record<string, unknown>;
      expect(manifest.kind).toBe(kind);
      const loaded = await loadModel(tf, {
        manifest,
        weightData: Buffer.from(artifact.weightData),
      });
      expect(loaded.kind).toBe(kind);
      expect(loaded.params).toEqual(trained.params);
      expect(loaded.calibration).toEqual(trained.calibration);
      expect(loaded.scaler.state).toEqual(trained.scaler.state);
      expect(loaded.residualStd).toBe(trained.residualStd);
      expect(predictBatch(tf, loaded, dataset, test)).toEqual(batch);
      expect(test.slice(-20).map((sample) => predictOne(tf, loaded, dataset, sample))).toEqual(
        ones,
      );
      expect(predictLatest({ tf, trained: loaded, candles: CANDLES, intervalMs: HOUR_MS })).toEqual(
        predictLatest({ tf, trained, candles: CANDLES, intervalMs: HOUR_MS }),
      );
      disposeModel(trained);
      disposeModel(loaded);
      expect(tf.memory().numTensors).toBe(start);
    },
    60_000,
  );

  it('reads a manifest without a kind (stored before there were kinds) as an LSTM', async () => {
    const { tf } = await loadTensorFlow();
    const trained = await trainModel({ tf, dataset, train, params: { ...TINY, epochs: 1 } });
    const { manifest, weightData } = await saveModel(tf, trained);
    const { kind, ...old } = manifest;
    expect(kind).toBe('lstm');
    const loaded = await loadModel(tf, { manifest: old, weightData });
    expect(loaded.kind).toBe('lstm');
    expect(predictBatch(tf, loaded, dataset, test)).toEqual(
      predictBatch(tf, trained, dataset, test),
    );
    await expect(loadModel(tf, { manifest: { ...old, kind: 'svm' }, weightData })).rejects.toThrow(
      /unknown kind "svm"/,
    );
    disposeModel(trained);
    disposeModel(loaded);
  });

  it.each(['linear', 'gru'] as const)(
    'runTraining trains and evaluates a %s model end to end, folds included',
    async (kind) => {
      const { tf } = await loadTensorFlow();
      const before = tf.memory().numTensors;
      const stages = new Set<string>();
      const outcome = await runTraining({
        tf,
        candles: CANDLES,
        intervalMs: HOUR_MS,
        features: DEFAULT_FEATURES,
        params: { ...TINY, epochs: 2 },
        kind,
        horizons: [1, 4],
        walkForwardFolds: 2,
        walkForwardEpochs: 1,
        onEpoch: (progress) => {
          stages.add(progress.stage);
        },
      });
      expect(outcome.trained.kind).toBe(kind);
      expect([...stages]).toEqual(['train', 'walk-forward fold 1/2', 'walk-forward fold 2/2']);
      expect(outcome.walkForward?.folds).toHaveLength(2);
      expect(outcome.trained.calibration?.source).toBe('walk-forward');
      expect(outcome.trained.calibration?.horizons.map((h) => h.horizon)).toEqual([1, 4]);
      expect(outcome.evaluation.model.count).toBe(outcome.evaluation.persistence.count);
      expect(Number.isFinite(outcome.evaluation.model.mae)).toBe(true);
      expect(outcome.forecast.map((h) => h.horizon)).toEqual([1, 4]);
      const latest = predictLatest({
        tf,
        trained: outcome.trained,
        candles: CANDLES,
        intervalMs: HOUR_MS,
      });
      expect(latest?.horizons).toHaveLength(2);
      disposeModel(outcome.trained);
      expect(tf.memory().numTensors).toBe(before);
    },
    120_000,
  );
});
