import type { Candle } from '../../market-data/candle';
import { runBacktest, type BacktestResult } from './backtest';
import { decide } from './rule-evaluation';
import type { PositionSizing, StrategyDefinition } from './strategy-definition';
import {
  computeStrategyInputs,
  predictedVolatilities,
  type PredictionInput,
} from './strategy-inputs';

/**
 * A strategy replayed over candles: its inputs over the whole series (so indicators warm up on
 * the candles before `start`), a decision at each candle from `start` on, and the fill model over
 * those candles. Backtest jobs and the CLI's `backtest` both run this.
 */
export function replayStrategy(params: {
  definition: StrategyDefinition;
  /** Warm-up candles, then the replayed ones from index `start`. */
  candles: readonly Candle[];
  start: number;
  predictions?: ReadonlyMap<number, PredictionInput>;
  sentiment?: readonly (number | null)[];
  startingCash: number;
  feeRate: number;
  slippage: number;
  sizing: PositionSizing;
  intervalMs: number;
  /** Called every 1,000 decisions with the count made. */
  onDecisions?: (done: number, total: number) => void;
}): BacktestResult {
  const { definition, candles, start, predictions } = params;
  // `expectedEdge` subtracts this replay's round trip, not the strategy's live costs.
  const inputs = computeStrategyInputs({
    definition,
    candles,
    predictions,
    sentiment: params.sentiment,
    costs: { feeRate: params.feeRate, slippage: params.slippage },
  });
  const replayed = candles.slice(start);
  const decisions = replayed.map((_, i) => {
    if (i % 1000 === 0) {
      params.onDecisions?.(i, replayed.length);
    }
    return decide(definition, inputs, start + i).action;
  });
  params.onDecisions?.(replayed.length, replayed.length);
  return runBacktest({
    candles: replayed,
    decisions,
    startingCash: params.startingCash,
    feeRate: params.feeRate,
    slippage: params.slippage,
    sizing: params.sizing,
    volatility:
      params.sizing.kind === 'volatility'
        ? predictedVolatilities({ definition, candles, predictions }).slice(start)
        : undefined,
    stopLoss: definition.guards.stopLoss,
    takeProfit: definition.guards.takeProfit,
    cooldownCandles: definition.guards.cooldownCandles,
    intervalMs: params.intervalMs,
  });
}
