import type { Candle } from '../market-data/candle';
import type { ModelParams } from '../models/engine/model-params';
import type { TensorFlow } from '../models/engine/tf-backend';
import {
  WALK_FORWARD_DEFAULTS,
  walkForwardPredictions,
} from '../models/engine/walk-forward-predictions';
import type { BacktestResult } from './engine/backtest';

/*
 * The steps of a backtest that its job (BacktestsService.run) and an in-process backtest
 * (`backtest` of the CLI) share, so both make predictions and report figures alike.
 */

/**
 * What the model rules read when no live predictions cover the range: predictions at every candle
 * from `start` on, each block of `retrainEvery` predicted by a model trained only on the candles
 * before it (at most WALK_FORWARD_DEFAULTS.trainingCandles); a model never sees what it predicts.
 */
export function backtestWalkForward(params: {
  tf: TensorFlow;
  /** The candles before `start` the first block trains on, then the range predicted. */
  candles: readonly Candle[];
  start: number;
  intervalMs: number;
  modelParams: ModelParams;
  retrainEvery: number;
  onBlock?: (done: number, total: number) => Promise<void> | void;
}): ReturnType<typeof walkForwardPredictions> {
  return walkForwardPredictions({
    ...params,
    trainingCandles: WALK_FORWARD_DEFAULTS.trainingCandles,
  });
}

/** A replay's figures as GET /backtests/:id shows them (a job stores more next to them). */
export function backtestFigures(
  result: BacktestResult,
  params: { candles: number; predictionsUsed: number },
) {
  return {
    strategy: result.metrics,
    buyAndHold: result.buyAndHold,
    candles: params.candles,
    predictionsUsed: params.predictionsUsed,
  };
}
