import type { Candle } from '../../market-data/candle';
import type { FeatureName } from './feature-spec';
import { modelFeatures, type MarketCandles } from './features';
import { DEFAULT_FEATURE_SETS, isRange, type ParamDomain } from './model-search-space';
import type { ModelKind } from './model-kind';
import { resolveModelParams, type ModelParams } from './model-params';
import type { TensorFlow } from './tf-backend';
import { disposeModel } from './trained-model';
import { runTraining, type TrainingOutcome } from './training-pipeline';
import { seededRandom } from '../../common/seeded-random';

/**
 * Hyperparameter search on the training part of a market's candles: trials sampled from a space
 * with a seeded generator (the same request gives the same trials), each trained and scored
 * inside the training part only (its own chronological split, calibrated on walk-forward folds),
 * then the single best evaluated once on the held-back test part.
 */

export interface TrialPlan {
  index: number;
  kind: ModelKind;
  /** Every parameter, defaults filled in. */
  params: ModelParams;
  /** The chosen inputs (sentiment joins them where a series covers the candles). */
  features: FeatureName[];
}

/**
 * The input list of each trial, drawn from the candidates by a generator of its own (seeded from
 * the search's seed), so the parameters drawn for a seed do not depend on how many candidates
 * there are, and a trial's inputs can be found again from the stored request.
 */
export function drawFeatureSets(params: {
  features?: readonly (readonly FeatureName[])[];
  trials: number;
  seed: number;
}): FeatureName[][] {
  const candidates = params.features?.length ? params.features : DEFAULT_FEATURE_SETS;
  const next = seededRandom((params.seed ^ 0x5eed_f00d) >>> 0);
  return Array.from({ length: params.trials }, () => [...pick(candidates, next)]);
}

/** An item drawn uniformly by `random` (in [0, 1)); an empty list is refused. */
function pick<T>(items: readonly T[], random: () => number): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) {
    throw new RangeError('Nothing to draw from: the list is empty');
  }
  return item;
}

/** The trials of a search: kinds in turn, parameters drawn from the seeded generator. */
export function planTrials(params: {
  kinds: readonly ModelKind[];
  space: Record<ModelKind, Partial<Record<keyof ModelParams, ParamDomain>>>;
  trials: number;
  seed: number;
  /** Candidate input lists (default: one, the defaults). */
  features?: readonly (readonly FeatureName[])[];
}): TrialPlan[] {
  const next = seededRandom(params.seed);
  return drawFeatureSets(params).map((features, index) => {
    const kind = params.kinds[index % params.kinds.length];
    if (kind === undefined) {
      throw new RangeError('A search needs at least one model kind');
    }
    const drawn: Record<string, number> = {};
    const domains = Object.entries(params.space[kind]).sort(([a], [b]) => a.localeCompare(b));
    for (const [name, domain] of domains) {
      if (!domain) {
        continue;
      }
      if (isRange(domain)) {
        const u = next();
        let value = domain.log
          ? Math.exp(Math.log(domain.min) + u * (Math.log(domain.max) - Math.log(domain.min)))
          : domain.min + u * (domain.max - domain.min);
        if (domain.integer) {
          value = Math.round(value);
        } else {
          value = Number(value.toPrecision(4));
        }
        drawn[name] = Math.min(domain.max, Math.max(domain.min, value));
      } else {
        drawn[name] = pick(domain, next);
      }
    }
    return { index, kind, params: resolveModelParams(drawn), features };
  });
}

export interface TrialResult {
  /** Served MAE over persistence's on the trial's own validation candles (lower is better). */
  score: number;
  metrics: {
    mae: number;
    persistenceMae: number;
    pValue: number;
    validationFrom: number | null;
    validationTo: number | null;
    walkForward: TrainingOutcome['walkForward'];
    shrinkage: { horizon: number; shrinkage: number }[];
    coverage: { horizon: number; coverage: number }[];
    epochsRun: number;
  };
  seconds: number;
}

/**
 * One trial on the training part only: `runTraining` splits it again (its last 20% is the trial's
 * validation) and calibrates on walk-forward folds inside the rest.
 */
export async function runTrial(params: {
  tf: TensorFlow;
  trainingCandles: readonly Candle[];
  intervalMs: number;
  plan: TrialPlan;
  folds: number;
  horizons: readonly number[];
  sentiment?: readonly (number | null)[];
  markets?: MarketCandles;
  shouldStop?: () => boolean;
  /** Awaited between batches: the live path's turn (HotPath.idle in workers). */
  pause?: () => Promise<void>;
}): Promise<TrialResult> {
  const started = Date.now();
  const outcome = await runTraining({
    tf: params.tf,
    candles: params.trainingCandles,
    intervalMs: params.intervalMs,
    features: modelFeatures(params.plan.features, params.sentiment),
    sentiment: params.sentiment,
    markets: params.markets,
    kind: params.plan.kind,
    params: params.plan.params,
    horizons: params.horizons,
    walkForwardFolds: params.folds,
    walkForwardEpochs: 3,
    shouldStop: params.shouldStop,
    pause: params.pause,
  });
  try {
    const { evaluation } = outcome;
    return {
      score: evaluation.model.mae / evaluation.persistence.mae,
      metrics: {
        mae: evaluation.model.mae,
        persistenceMae: evaluation.persistence.mae,
        pValue: evaluation.versusPersistence.pValue,
        validationFrom: evaluation.testFrom,
        validationTo: evaluation.testTo,
        walkForward: outcome.walkForward,
        shrinkage: (outcome.trained.calibration?.horizons ?? []).map((h) => ({
          horizon: h.horizon,
          shrinkage: h.shrinkage,
        })),
        coverage: outcome.forecast.map((h) => ({
          horizon: h.horizon,
          coverage: h.band.model.coverage,
        })),
        epochsRun: outcome.trained.epochsRun,
      },
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    disposeModel(outcome.trained);
  }
}

/** The best finished trial: the lowest score, the earliest on a tie. */
export function bestTrial<T extends { index: number; score: number | null }>(
  trials: readonly T[],
): T | undefined {
  return trials
    .filter(
      (trial): trial is T & { score: number } =>
        trial.score !== null && Number.isFinite(trial.score),
    )
    .sort((a, b) => a.score - b.score || a.index - b.index)[0];
}

/**
 * The best trial's configuration trained on the whole training part and evaluated once on the
 * test part (every candle from `testFrom` on), as `evaluate --test-from` does.
 */
export async function evaluateBest(params: {
  tf: TensorFlow;
  candles: readonly Candle[];
  intervalMs: number;
  testFrom: number;
  plan: Pick<TrialPlan, 'kind' | 'params' | 'features'>;
  folds: number;
  horizons: readonly number[];
  sentiment?: readonly (number | null)[];
  markets?: MarketCandles;
  shouldStop?: () => boolean;
  /** Awaited between batches: the live path's turn (HotPath.idle in workers). */
  pause?: () => Promise<void>;
}): Promise<TrainingOutcome> {
  return runTraining({
    tf: params.tf,
    candles: params.candles,
    intervalMs: params.intervalMs,
    features: modelFeatures(params.plan.features, params.sentiment),
    sentiment: params.sentiment,
    markets: params.markets,
    kind: params.plan.kind,
    params: params.plan.params,
    horizons: params.horizons,
    testFrom: params.testFrom,
    walkForwardFolds: params.folds,
    walkForwardEpochs: 3,
    shouldStop: params.shouldStop,
    pause: params.pause,
  });
}

/** What a search records of its best trial: the trial and its one evaluation on the test part. */
export function bestOutcome(
  best: { index: number; kind: string; params: Record<string, number>; score: number },
  outcome: TrainingOutcome,
): {
  trialIndex: number;
  kind: string;
  params: Record<string, number>;
  features: string[];
  score: number;
  test: Record<string, unknown>;
} {
  return {
    trialIndex: best.index,
    kind: best.kind,
    params: best.params,
    features: [...outcome.trained.features],
    score: best.score,
    test: {
      split: outcome.evaluation,
      forecast: outcome.forecast,
      calibration: outcome.trained.calibration ?? null,
      walkForward: outcome.walkForward,
      samples: outcome.samples,
      trainSamples: outcome.trainSamples,
    },
  };
}
