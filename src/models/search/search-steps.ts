import type { Candle } from '../../market-data/candle';
import type { MarketCandles } from '../engine/features';
import type { FeatureName } from '../engine/feature-spec';
import type { ModelKind } from '../engine/model-kind';
import { resolveModelParams } from '../engine/model-params';
import { bestOutcome, evaluateBest, runTrial, type TrialPlan } from '../engine/model-search';
import type { TensorFlow } from '../engine/tf-backend';
import { disposeModel } from '../engine/trained-model';
import type { TrainingOutcome } from '../engine/training-pipeline';
import type { SearchOutcome, TrialMetrics, TrialStatus } from './model-search.entity';

/*
 * The steps of a search that its jobs (SearchRunner) and an in-process search (`search` of the
 * CLI) share, so both score trials and evaluate the best alike.
 */

/** A market's inputs as a search reads them: its candles, their sentiment column, other markets. */
interface SearchInputs {
  intervalMs: number;
  sentiment?: { source: string; values: readonly (number | null)[] };
  markets?: MarketCandles;
}

/** A trial once run: as search jobs store it (the shape of GET /models/searches/:id). */
export interface TrialRecord {
  index: number;
  kind: string;
  params: Record<string, number>;
  status: Exclude<TrialStatus, 'pending'>;
  score: number | null;
  metrics: TrialMetrics | null;
  seconds: number | null;
  error: string | null;
}

/**
 * One trial on the training candles only, recorded with the inputs it was scored on and the
 * sentiment series it joined; a failure `recorded` accepts becomes a failed trial, any other is
 * thrown.
 */
export async function scoreTrial(
  params: SearchInputs & {
    tf: TensorFlow;
    trainingCandles: readonly Candle[];
    plan: TrialPlan;
    folds: number;
    horizons: readonly number[];
    recorded: (error: unknown) => error is Error;
    shouldStop?: () => boolean;
    pause?: () => Promise<void>;
  },
): Promise<TrialRecord> {
  const { plan, sentiment } = params;
  const trial = { index: plan.index, kind: plan.kind, params: { ...plan.params } };
  try {
    const result = await runTrial({
      tf: params.tf,
      trainingCandles: params.trainingCandles,
      intervalMs: params.intervalMs,
      plan,
      folds: params.folds,
      horizons: params.horizons,
      sentiment: sentiment?.values,
      markets: params.markets,
      shouldStop: params.shouldStop,
      pause: params.pause,
    });
    return {
      ...trial,
      status: 'completed',
      score: result.score,
      metrics: {
        ...result.metrics,
        features: plan.features,
        sentimentSource: sentiment?.source ?? null,
      },
      seconds: result.seconds,
      error: null,
    };
  } catch (error) {
    if (!params.recorded(error)) {
      throw error;
    }
    return {
      ...trial,
      status: 'failed',
      score: null,
      metrics: null,
      seconds: null,
      error: error.message,
    };
  }
}

/**
 * The best trial's configuration trained on the whole training part and evaluated once on the
 * candles from `testFrom` on; what the search records of it, and the evaluation (its model freed).
 */
export async function evaluateBestTrial(
  params: SearchInputs & {
    tf: TensorFlow;
    best: { index: number; kind: string; params: Record<string, number>; score: number };
    features: FeatureName[];
    candles: readonly Candle[];
    testFrom: number;
    folds: number;
    horizons: readonly number[];
  },
): Promise<{ best: SearchOutcome; outcome: TrainingOutcome }> {
  const { best } = params;
  const outcome = await evaluateBest({
    tf: params.tf,
    candles: params.candles,
    intervalMs: params.intervalMs,
    testFrom: params.testFrom,
    plan: {
      kind: best.kind as ModelKind,
      params: resolveModelParams(best.params),
      features: params.features,
    },
    folds: params.folds,
    horizons: params.horizons,
    sentiment: params.sentiment?.values,
    markets: params.markets,
  });
  disposeModel(outcome.trained);
  return { best: bestOutcome(best, outcome), outcome };
}
