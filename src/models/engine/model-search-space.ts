import {
  DEFAULT_FEATURES,
  FeatureListError,
  parseFeatureList,
  type FeatureContext,
  type FeatureName,
} from './feature-spec';
import { MODEL_KINDS, type ModelKind } from './model-kind';
import { MODEL_PARAM_RULES, resolveModelParams, type ModelParams } from './model-params';

/**
 * What a hyperparameter search may explore: the parameter domains per model kind (the defaults, or
 * a request's, checked field by field), the candidate input lists and the search's limits.
 */

/** A parameter's values: a list to pick from, or a range (log-uniform when `log`). */
export type ParamDomain =
  readonly number[] | { min: number; max: number; log?: boolean; integer?: boolean };

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

export class SearchSpaceError extends Error {
  constructor(readonly problems: { field: string; problem: string }[]) {
    super(`Invalid search: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}`);
    this.name = 'SearchSpaceError';
  }
}

/** True for a `{ min, max }` domain, false for a list of values. */
export function isRange(domain: ParamDomain): domain is Exclude<ParamDomain, readonly number[]> {
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
