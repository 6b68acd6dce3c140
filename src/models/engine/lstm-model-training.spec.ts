import { chronologicalSplit } from './dataset';
import { DEFAULT_FEATURES } from './feature-spec';
import { fitCalibration, volatilitySeries } from './forecast-calibration';
import { predictLatest } from './latest-forecast';
import { HOUR_MS } from '../../simulator/candle-series.fixtures';
import { CANDLES, TINY, tinyDataset } from './lstm-model.fixtures';
import { loadModel, saveModel } from './model-artifact';
import { MODEL_KINDS } from './model-kind';
import { resolveModelParams } from './model-params';
import { trainModel } from './model-training';
import { loadTensorFlow } from './tf-backend';
import { disposeModel, predictBatch, predictOne } from './trained-model';
import { NotEnoughDataError, runTraining } from './training-pipeline';
import { walkForwardPredictions } from './walk-forward-predictions';

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

describe('every model kind', () => {
  const dataset = tinyDataset();
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
      const manifest = JSON.parse(JSON.stringify(artifact.manifest)) as typeof artifact.manifest;
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
