import type { Candle } from '../src/market-data/candle';
import { buildDataset, chronologicalSplit } from '../src/models/engine/dataset';
import { DEFAULT_FEATURES } from '../src/models/engine/feature-spec';
import { disposeLayersModel } from '../src/models/engine/layers-predictor';
import { resolveModelParams } from '../src/models/engine/model-params';
import { trainModel } from '../src/models/engine/model-training';
import { disposeModel } from '../src/models/engine/trained-model';
import { MODEL_KINDS, type ModelKind } from '../src/models/engine/model-kind';
import { loadTensorFlow, type TfBackend } from '../src/models/engine/tf-backend';
import { runTraining } from '../src/models/engine/training-pipeline';
import { readCandleCsv } from '../src/simulator/candle-series';
import {
  GeneratedMarket,
  GeneratedSeries,
  generatedDefaults,
} from '../src/simulator/generated-series';

/**
 * `npm run bench:train [candles.csv]`:
 *
 * 1. Training samples/s of the project's model (`trainModel`: default shape, `FastLstmCell` with
 *    sigmoid gates, early-stopping bookkeeping, best-weight copies) next to a stock
 *    `tf.layers.lstm` model of the same shape (its own defaults) fitted with plain `model.fit` on
 *    the same windows, same backend, same run; then every model kind (lstm, gru, linear) trained
 *    by `trainModel` on the same windows and parameters, each next to the stock reference.
 * 2. Wall time to train and evaluate the default model (as the training job does: 80/20 split,
 *    early stopping, three walk-forward folds) on four years (35,040) of 1h candles, on one core
 *    (Node's thread and the single-threaded wasm backend). Target: under 10 minutes.
 *
 * The CSV (`open_time_ms,open,high,low,close,volume`, e.g. ../shared/data/binance/1h/BTCUSDT-1h.csv)
 * gives the candles; without one, seeded GARCH candles are generated. BENCH_SKIP_FULL=1 skips part 2.
 */
const HOUR_MS = 3_600_000;
const FOUR_YEARS = 35_040;

function candles(path: string | undefined): Candle[] {
  if (path) {
    return readCandleCsv(path).slice(-FOUR_YEARS);
  }
  const origin = Date.UTC(2019, 0, 1);
  const series = new GeneratedSeries(
    new GeneratedMarket({ ...generatedDefaults('BTC'), seed: 'bench', origin }),
    HOUR_MS,
  );
  const now = origin + FOUR_YEARS * HOUR_MS;
  const out: Candle[] = [];
  for (let from = origin; out.length < FOUR_YEARS; from += 1000 * HOUR_MS) {
    out.push(...series.range({ from, to: now - 1, now, limit: 1000, fromEnd: false }));
  }
  return out;
}

async function main(): Promise<void> {
  const path = process.argv[2];
  const { tf, backend } = await loadTensorFlow(process.env.TF_BACKEND as TfBackend | undefined);
  const all = candles(path);
  console.log(
    `${all.length} 1h candles from ${path ?? 'the seeded generator'}; TensorFlow.js backend: ${backend}`,
  );
  const params = resolveModelParams({ epochs: Number(process.env.BENCH_EPOCHS ?? 3), patience: 0 });
  const dataset = buildDataset({
    candles: all,
    intervalMs: HOUR_MS,
    features: DEFAULT_FEATURES,
    lookback: params.lookback,
    horizon: 1,
  });
  const train = chronologicalSplit(dataset.samples, 0.8).train.slice(-8192);

  // 1. The project's model against a stock tf.layers.lstm of the same shape.
  const fitSamples = Math.floor(train.length * (1 - params.validationFraction));
  let started = performance.now();
  const epochRates: number[] = [];
  const trained = await trainModel({
    tf,
    dataset,
    train,
    params,
    onEpoch: (progress) => {
      epochRates.push(progress.samplesPerSecond);
    },
  });
  const wholeRate = (fitSamples * params.epochs) / ((performance.now() - started) / 1000);
  // Per epoch: the training pass plus the validation pass and best-weight copy early stopping needs.
  const projectRate = epochRates.length / epochRates.reduce((a, rate) => a + 1 / rate, 0);
  const lstmSeconds = (performance.now() - started) / 1000;
  disposeModel(trained);
  const stock = tf.sequential();
  stock.add(
    tf.layers.lstm({ units: params.units, inputShape: [params.lookback, DEFAULT_FEATURES.length] }),
  );
  stock.add(tf.layers.dropout({ rate: params.dropout }));
  stock.add(tf.layers.dense({ units: 1 }));
  stock.compile({ optimizer: tf.train.adam(params.learningRate), loss: 'meanSquaredError' });
  const x = tf.tensor3d(trained.scaler.windows(dataset, train.slice(0, fitSamples)), [
    fitSamples,
    params.lookback,
    DEFAULT_FEATURES.length,
  ]);
  const y = tf.tensor2d(trained.scaler.scaleTargets(train.slice(0, fitSamples)), [fitSamples, 1]);
  started = performance.now();
  await stock.fit(x, y, {
    epochs: params.epochs,
    batchSize: params.batchSize,
    shuffle: true,
    verbose: 0,
  });
  const stockSeconds = (performance.now() - started) / 1000;
  const stockRate = (fitSamples * params.epochs) / stockSeconds;
  x.dispose();
  y.dispose();
  disposeLayersModel(stock);
  // Every kind on the same windows: samples/s of the whole training (one pass for linear).
  const kinds: { kind: ModelKind; epochs: number; seconds: number }[] = [
    { kind: 'lstm', epochs: trained.epochsRun, seconds: lstmSeconds },
  ];
  for (const kind of MODEL_KINDS.filter((k) => k !== 'lstm')) {
    started = performance.now();
    const other = await trainModel({ tf, dataset, train, params, kind });
    kinds.push({ kind, epochs: other.epochsRun, seconds: (performance.now() - started) / 1000 });
    disposeModel(other);
  }
  console.log(
    `\n1. Training throughput, LSTM(${params.units}) x ${params.lookback} steps x ${DEFAULT_FEATURES.length} features, batch ${params.batchSize}, ${fitSamples} samples x ${params.epochs} epochs`,
  );
  console.log(
    `   stock tf.layers.lstm (its defaults: hard-sigmoid gates) + model.fit: ${stockRate.toFixed(0)} samples/s`,
  );
  console.log(
    `   project's model (trainModel), per epoch incl. its validation pass: ${projectRate.toFixed(0)} samples/s`,
  );
  console.log(
    `   project's trainModel as a whole (scaler, windows, model build, epochs, residuals): ${wholeRate.toFixed(0)} samples/s`,
  );
  console.log(
    `   ratio: ${(projectRate / stockRate).toFixed(2)}x (target 1.5x: ${projectRate / stockRate >= 1.5 ? 'met' : 'NOT met'})`,
  );
  console.log(
    `   every kind through trainModel as a whole on the same ${fitSamples} samples (stock tf.layers.lstm: ${stockRate.toFixed(0)} samples/s, ${stockSeconds.toFixed(1)} s for ${params.epochs} epochs):`,
  );
  for (const { kind, epochs, seconds } of kinds) {
    const rate = (fitSamples * epochs) / seconds;
    console.log(
      `   ${kind.padEnd(6)} ${rate.toFixed(0).padStart(8)} samples/s (${(rate / stockRate).toFixed(2)}x stock), ${seconds.toFixed(2)} s for ${epochs} ${kind === 'linear' ? 'closed-form fit' : 'epochs'}`,
    );
  }

  if (process.env.BENCH_SKIP_FULL === '1') {
    return;
  }
  // 2. The default model as the training job trains it.
  started = performance.now();
  const outcome = await runTraining({
    tf,
    candles: all,
    intervalMs: HOUR_MS,
    features: DEFAULT_FEATURES,
    params: resolveModelParams(),
    walkForwardFolds: 3,
    walkForwardEpochs: 3,
  });
  const minutes = (performance.now() - started) / 60_000;
  disposeModel(outcome.trained);
  console.log(
    `\n2. Default model on ${all.length} candles (${outcome.samples} windows, ${outcome.trained.epochsRun} epochs + 3 walk-forward folds): ${minutes.toFixed(1)} min (target < 10 min: ${minutes < 10 ? 'met' : 'NOT met'})`,
  );
  console.log(
    `   test MAE: model ${outcome.evaluation.model.mae.toFixed(4)}, persistence ${outcome.evaluation.persistence.mae.toFixed(4)}, drift ${outcome.evaluation.drift.mae.toFixed(4)}`,
  );
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
