import type { Candle } from '../../market-data/candle';
import {
  DEFAULT_FEATURES,
  FeatureListError,
  parseFeatureList,
  type FeatureContext,
  type FeatureName,
} from './feature-spec';
import { modelFeatures, type MarketCandles } from './features';
import {
  MODEL_PARAM_RULES,
  disposeModel,
  resolveModelParams,
  type ModelParams,
} from './lstm-model';
import { MODEL_KINDS, type ModelKind } from './model-kind';
import type { TensorFlow } from './tf-backend';
import { runTraining, type TrainingOutcome } from './training-pipeline';
import { seededRandom } from '../../common/seeded-random';

/**
 * Hyperparameter search on the training part of a market's candles: trials sampled from a space
 * with a seeded generator (the same request gives the same trials), each trained and scored
 * inside the training part only (its own chronological split, calibrated on walk-forward folds),
 * then the single best evaluated once on the held-back test part.
 */

/** A parameter's values: a list to pick from, or a range (log-uniform when `log`). */
export type ParamDomain =
  readonly number[] | { min: number; max: number; log?: boolean; integer?: boolean };

export type SearchSpace = Partial<
  Record<ModelKind, Partial<Record<keyof ModelParams, ParamDomain>>>
>;

/** The recurrent kinds' default space (the same for lstm and gru). */
const RECURRENT_SPACE: Partial<Record<keyof ModelParams, ParamDomain>> = {
  units: [16, 32],
  lookback: [12, 24],
  dropout: [0, 0.1, 0.2],
  learningRate: { min: 0.0003, max: 0.003, log: true },
  epochs: [10],
};

/**
 * What each kind explores when the request names no space for it: sized so the default search
 * (12 trials, 3 folds) of four years of 1h candles ends within 30 minutes on two cores.
 */
export const DEFAULT_SEARCH_SPACE: Record<
  ModelKind,
  Partial<Record<keyof ModelParams, ParamDomain>>
> = {
  linear: {
    lookback: [6, 12, 24, 48],
    l2: { min: 0.01, max: 1000, log: true },
  },
  lstm: RECURRENT_SPACE,
  gru: RECURRENT_SPACE,
};

export const SEARCH_LIMITS = {
  maxTrials: 200,
  maxFolds: 10,
  defaultTrials: 12,
  defaultFolds: 3,
  maxFeatureSets: 20,
};

/** The inputs a search tries when the request names none: one candidate, the defaults. */
export const DEFAULT_FEATURE_SETS: readonly (readonly FeatureName[])[] = [DEFAULT_FEATURES];

export interface TrialPlan {
  index: number;
  kind: ModelKind;
  /** Every parameter, defaults filled in. */
  params: ModelParams;
  /** The chosen inputs (sentiment joins them where a series covers the candles). */
  features: FeatureName[];
}

export class SearchSpaceError extends Error {
  constructor(readonly problems: { field: string; problem: string }[]) {
    super(`Invalid search: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}`);
    this.name = 'SearchSpaceError';
  }
}

function isRange(domain: ParamDomain): domain is Exclude<ParamDomain, readonly number[]> {
  return !Array.isArray(domain);
}

/**
 * Checks a request's kinds, space and candidate input lists, naming each bad field; the space per
 * kind it searches and the input lists it draws from (canonical).
 */
export function resolveSearchSpace(params: {
  kinds?: readonly string[];
  space?: Record<string, unknown>;
  /** Candidate input lists (default: one, the defaults). */
  features?: unknown;
  /** The market searched and the markets its inputs may read. */
  featureContext?: FeatureContext;
}): {
  kinds: ModelKind[];
  space: Record<ModelKind, Partial<Record<keyof ModelParams, ParamDomain>>>;
  features: FeatureName[][];
} {
  const problems: { field: string; problem: string }[] = [];
  const features = resolveFeatureSets(params.features, params.featureContext ?? {}, problems);
  const kinds = [...new Set(params.kinds ?? MODEL_KINDS)];
  if (!kinds.length) {
    problems.push({ field: 'kinds', problem: 'must name at least one kind' });
  }
  for (const kind of kinds) {
    if (!(MODEL_KINDS as readonly string[]).includes(kind)) {
      problems.push({
        field: 'kinds',
        problem: `${JSON.stringify(kind)} is not one of ${MODEL_KINDS.join(', ')}`,
      });
    }
  }
  const space = { ...DEFAULT_SEARCH_SPACE };
  for (const [kind, domains] of Object.entries(params.space ?? {})) {
    const field = `space.${kind}`;
    if (!(MODEL_KINDS as readonly string[]).includes(kind)) {
      problems.push({ field, problem: `is not a model kind (${MODEL_KINDS.join(', ')})` });
      continue;
    }
    if (typeof domains !== 'object' || domains === null || Array.isArray(domains)) {
      problems.push({ field, problem: 'must be an object of parameter domains' });
      continue;
    }
    const checked: Partial<Record<keyof ModelParams, ParamDomain>> = {};
    for (const [name, domain] of Object.entries(domains as Record<string, unknown>)) {
      const where = `${field}.${name}`;
      if (!(name in MODEL_PARAM_RULES)) {
        problems.push({
          field: where,
          problem: `is not a model parameter (known: ${Object.keys(MODEL_PARAM_RULES).join(', ')})`,
        });
        continue;
      }
      const key = name as keyof ModelParams;
      const values = Array.isArray(domain)
        ? domain
        : typeof domain === 'object' && domain !== null
          ? [(domain as { min?: unknown }).min, (domain as { max?: unknown }).max]
          : undefined;
      if (!values || !values.length || values.length > 50) {
        problems.push({
          field: where,
          problem: 'must be a list of 1-50 numbers or {min, max, log?, integer?}',
        });
        continue;
      }
      const bad = values.find((value) => {
        try {
          resolveModelParams({ [key]: value });
          return false;
        } catch {
          return true;
        }
      });
      if (bad !== undefined) {
        const rule = MODEL_PARAM_RULES[key];
        problems.push({
          field: where,
          problem: `${JSON.stringify(bad)} is not a valid value (${rule.integer ? 'whole number ' : ''}${rule.min}-${rule.max})`,
        });
        continue;
      }
      if (!Array.isArray(domain)) {
        const range = domain as { min: number; max: number; log?: unknown; integer?: unknown };
        if (range.min > range.max) {
          problems.push({ field: where, problem: 'min must not be above max' });
          continue;
        }
        if (range.log !== undefined && typeof range.log !== 'boolean') {
          problems.push({ field: `${where}.log`, problem: 'must be true or false' });
          continue;
        }
        if (range.log && range.min <= 0) {
          problems.push({ field: where, problem: 'a log range needs min above 0' });
          continue;
        }
        checked[key] = {
          min: range.min,
          max: range.max,
          log: range.log === true,
          integer: MODEL_PARAM_RULES[key].integer,
        };
      } else {
        checked[key] = domain as number[];
      }
    }
    space[kind as ModelKind] = checked;
  }
  if (problems.length) {
    throw new SearchSpaceError(problems);
  }
  return { kinds: kinds as ModelKind[], space, features };
}

/** The candidate input lists of a request, each in canonical form; problems name `features[i][j]`. */
function resolveFeatureSets(
  input: unknown,
  context: FeatureContext,
  problems: { field: string; problem: string }[],
): FeatureName[][] {
  if (input === undefined) {
    return DEFAULT_FEATURE_SETS.map((set) => [...set]);
  }
  if (!Array.isArray(input) || !input.length || input.length > SEARCH_LIMITS.maxFeatureSets) {
    problems.push({
      field: 'features',
      problem: `must be a list of 1-${SEARCH_LIMITS.maxFeatureSets} input lists, e.g. [["logReturn", "rsi"], ["logReturn", "rsi", "BTC/logReturn"]]`,
    });
    return [];
  }
  const sets: FeatureName[][] = [];
  const seen = new Map<string, number>();
  input.forEach((candidate: unknown, index) => {
    const field = `features[${index}]`;
    if (!Array.isArray(candidate)) {
      problems.push({ field, problem: 'must be a list of inputs' });
      return;
    }
    try {
      const set = parseFeatureList(candidate, context, field);
      const key = set.join('\n');
      const same = seen.get(key);
      if (same !== undefined) {
        problems.push({ field, problem: `repeats features[${same}]` });
      }
      seen.set(key, same ?? index);
      sets.push(set);
    } catch (error) {
      if (!(error instanceof FeatureListError)) {
        throw error;
      }
      problems.push(...error.problems);
    }
  });
  return sets;
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
  return Array.from({ length: params.trials }, () => [
    ...candidates[Math.floor(next() * candidates.length)]!,
  ]);
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
  const featureSets = drawFeatureSets(params);
  return Array.from({ length: params.trials }, (_, index) => {
    const kind = params.kinds[index % params.kinds.length]!;
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
        drawn[name] = domain[Math.floor(next() * domain.length)]!;
      }
    }
    return { index, kind, params: resolveModelParams(drawn), features: featureSets[index]! };
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
