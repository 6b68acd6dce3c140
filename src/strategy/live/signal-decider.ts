import { Injectable } from '@nestjs/common';
import type { MarketKey } from '../../market-data/candle';
import type { CachedPrediction } from '../../models/live/prediction.cache';
import type { StoredPrediction } from '../../models/predictions.repository';
import { RedisService } from '../../redis/redis.service';
import type { Action } from '../engine/rule-evaluation';
import type { StrategyDefinition } from '../engine/strategy-definition';
import type { PredictionInput } from '../engine/strategy-inputs';
import type { SignalPrediction } from '../signal.entity';
import { SignalsRepository } from '../signals.repository';
import { predictionInput, StrategyEvaluator } from '../strategy-evaluator';
import { SIGNAL_CREATED, signalCreatedEvent } from '../strategy-events';

/** The prediction a decision read: what the rules see, and what the signal records. */
export interface DecisionPrediction {
  input: PredictionInput;
  modelVersionId: string;
  record: SignalPrediction;
}

/** A served forecast as a decision reads and records it. */
export function livePrediction(prediction: CachedPrediction): DecisionPrediction {
  const input = predictionInput(prediction);
  return {
    input,
    modelVersionId: prediction.modelVersionId!,
    record: {
      modelVersionId: prediction.modelVersionId,
      predictedClose: prediction.predictedClose,
      predictedReturn: prediction.predictedReturn,
      probabilityUp: prediction.probabilityUp,
      horizon: prediction.horizon,
      volatility: input.volatility ?? null,
    },
  };
}

/** A stored prediction (a decision taken late, from the record) as a decision reads it. */
export function storedPrediction(prediction: StoredPrediction): DecisionPrediction {
  return {
    input: prediction,
    modelVersionId: prediction.modelVersionId,
    record: {
      modelVersionId: prediction.modelVersionId,
      predictedReturn: prediction.predictedReturn,
      probabilityUp: prediction.probabilityUp,
      volatility: prediction.volatility,
    },
  };
}

/**
 * One strategy version's decision for one market and candle, stored once (a unique key) and
 * published as `signal.created` once, whoever decides first: the live path at the candle's close,
 * or a paper account catching up on a candle the live path missed.
 */
@Injectable()
export class SignalDecider {
  constructor(
    private readonly redis: RedisService,
    private readonly signals: SignalsRepository,
    private readonly evaluator: StrategyEvaluator,
  ) {}

  /** The action stored for that candle (another process's when it decided first); undefined when the candle is not stored. */
  async decide(params: {
    strategy: { id: string; name: string; version: number };
    definition: StrategyDefinition;
    market: MarketKey;
    /** Base asset, `BTC`. */
    symbol: string;
    openTime: number;
    prediction: DecisionPrediction | null;
    /** Set when the decision is taken late (catch-up): ms after the candle's close. */
    lateMs?: number;
  }): Promise<Action | undefined> {
    const { strategy, market, prediction } = params;
    const evaluation = await this.evaluator.evaluate({
      definition: params.definition,
      market,
      symbol: params.symbol,
      openTime: params.openTime,
      prediction: prediction?.input ?? null,
    });
    if (!evaluation) {
      return undefined;
    }
    const { decision } = evaluation;
    const row = {
      strategyId: strategy.id,
      market,
      openTime: evaluation.openTime,
      action: decision.action,
      score: decision.score,
      confidence: decision.confidence,
      reasons: decision.fired,
      prediction: prediction?.record ?? null,
      modelVersionId: prediction?.modelVersionId ?? null,
      close: evaluation.close,
      lateMs: params.lateMs ?? null,
    };
    if (!(await this.signals.insert(row))) {
      const stored = await this.signals.at(strategy.id, market, evaluation.openTime);
      return (stored?.action as Action | undefined) ?? decision.action;
    }
    const event = signalCreatedEvent(
      {
        ...row,
        strategyName: strategy.name,
        strategyVersion: strategy.version,
        createdAt: Date.now(),
      },
      params.symbol,
    );
    await this.redis.publish(SIGNAL_CREATED, JSON.stringify(event));
    return decision.action;
  }
}
