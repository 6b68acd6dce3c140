import type { Candle } from '../../market-data/candle';
import { buildDataset } from './dataset';
import { normalCdf } from './evaluation';
import { DEFAULT_FEATURES, type FeatureName } from './feature-spec';
import { featureSeedCandles, type MarketCandles } from './features';
import { modelForecast, volatilitySeries } from './forecast-calibration';
import { resolveModelParams, type ModelParams } from './model-params';
import { disposeModel, predictBatch } from './trained-model';
import type { TensorFlow } from './tf-backend';
import { minimumCandles, NotEnoughDataError, runTraining } from './training-pipeline';

/** Walk-forward defaults of backtests (jobs and the CLI alike). */
export const WALK_FORWARD_DEFAULTS = {
  /** Candles each model predicts before the next is trained. */
  retrainEvery: 720,
  /** At most this many candles before a block train its model (four years of 1h). */
  trainingCandles: 35_040,
} as const;

/** Parameters of walk-forward models: the model defaults with 10 epochs, unless given. */
export function walkForwardModelParams(input: Record<string, number> = {}): ModelParams {
  return resolveModelParams({ epochs: 10, ...input });
}

export interface GeneratedPrediction {
  openTime: number;
  predictedReturn: number;
  probabilityUp: number;
  /**
   * When its model would have been trained live: at the open of the first candle of its block
   * (right after the last candle it was trained on closed). Strategies' `maxModelAgeMs` reads it.
   */
  trainedAt: number;
}

export interface WalkForwardBlock {
  /** Open time of the last candle the block's model was trained on. */
  trainedThrough: number;
  /** Open times of the first and last candle it predicted at. */
  predictsFrom: number;
  predictsTo: number;
}

/**
 * Predictions at every candle from `start` on, made the way the live service makes them but for
 * the past: the range is cut into blocks of `retrainEvery` candles; each block's model is trained
 * only on candles before the block (at most `trainingCandles` of them) and predicts inside it.
 * No prediction comes from a model that saw the candle it predicts at (or any later one).
 */
export async function walkForwardPredictions(params: {
  tf: TensorFlow;
  candles: readonly Candle[];
  start: number;
  intervalMs: number;
  modelParams: ModelParams;
  retrainEvery: number;
  trainingCandles: number;
  /** The models' inputs (default: DEFAULT_FEATURES). */
  features?: readonly FeatureName[];
  /** Other markets' candles, for `<BASE>/...` inputs (read by open time, never past a block). */
  markets?: MarketCandles;
  onBlock?: (done: number, total: number) => Promise<void> | void;
}): Promise<{ predictions: Map<number, GeneratedPrediction>; blocks: WalkForwardBlock[] }> {
  const { candles, modelParams } = params;
  const features = params.features ?? DEFAULT_FEATURES;
  const predictions = new Map<number, GeneratedPrediction>();
  const blocks: WalkForwardBlock[] = [];
  const total = Math.ceil((candles.length - params.start) / params.retrainEvery);
  for (
    let blockStart = params.start, index = 0;
    blockStart < candles.length;
    blockStart += params.retrainEvery, index++
  ) {
    const blockEnd = Math.min(candles.length, blockStart + params.retrainEvery);
    const history = candles.slice(Math.max(0, blockStart - params.trainingCandles), blockStart);
    // Enough candles can still be too few windows (gaps in the history): that block then gets
    // no predictions, as one with too little history does, and the others go on.
    const outcome =
      history.length >= minimumCandles(modelParams, features)
        ? await runTraining({
            tf: params.tf,
            candles: history,
            intervalMs: params.intervalMs,
            features,
            markets: params.markets,
            params: modelParams,
            walkForwardFolds: 0,
          }).catch((error: unknown) => {
            if (error instanceof NotEnoughDataError) {
              return undefined;
            }
            throw error;
          })
        : undefined;
    if (outcome) {
      try {
        const contextStart = Math.max(
          0,
          blockStart - featureSeedCandles(features, params.intervalMs) - modelParams.lookback,
        );
        const context = candles.slice(contextStart, blockEnd);
        const volatility = volatilitySeries(context);
        const dataset = buildDataset({
          candles: context,
          intervalMs: params.intervalMs,
          features: outcome.trained.features,
          lookback: modelParams.lookback,
          horizon: 0,
          markets: params.markets,
        });
        const first = candles[blockStart]!.openTime;
        const samples = dataset.samples.filter((sample) => sample.openTime >= first);
        const returns = predictBatch(params.tf, outcome.trained, dataset, samples);
        // What the live path would have served: the forecast at the model's horizon, shrunk
        // toward persistence and with the calibrated P(up).
        const calibration = outcome.trained.calibration?.horizons.find(
          (h) => h.horizon === modelParams.horizon,
        );
        samples.forEach((sample, i) => {
          const raw = returns[i] ?? 0;
          const sigma = volatility[sample.end] ?? Number.NaN;
          const forecast =
            calibration && sigma > 0 ? modelForecast(calibration, raw, sigma) : undefined;
          predictions.set(sample.openTime, {
            openTime: sample.openTime,
            predictedReturn: forecast?.predictedReturn ?? raw,
            probabilityUp: forecast?.probabilityUp ?? normalCdf(raw / outcome.trained.residualStd),
            trainedAt: first,
          });
        });
        blocks.push({
          trainedThrough: outcome.dataTo,
          predictsFrom: first,
          predictsTo: candles[blockEnd - 1]!.openTime,
        });
      } finally {
        disposeModel(outcome.trained);
      }
    }
    await params.onBlock?.(index + 1, total);
  }
  return { predictions, blocks };
}
