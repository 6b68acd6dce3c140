/** What every model kind is trained with (the `linear` kind ignores the network's). */
export interface ModelParams {
  layers: number;
  units: number;
  dropout: number;
  lookback: number;
  horizon: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Epochs without a better validation loss before training stops (0 = never). */
  patience: number;
  /** The last part of the training slice used for validation (chronological). */
  validationFraction: number;
  /** L2 penalty of the `linear` kind's ridge regression (the other kinds ignore it). */
  l2: number;
}

interface ParamRule {
  min: number;
  max: number;
  integer: boolean;
  default: number;
}

/** Defaults sized so one market's four years of 1h candles train in minutes on one core (see README). */
export const MODEL_PARAM_RULES: Record<keyof ModelParams, ParamRule> = {
  layers: { min: 1, max: 4, integer: true, default: 1 },
  units: { min: 4, max: 512, integer: true, default: 32 },
  dropout: { min: 0, max: 0.8, integer: false, default: 0.1 },
  lookback: { min: 4, max: 512, integer: true, default: 24 },
  horizon: { min: 1, max: 48, integer: true, default: 1 },
  epochs: { min: 1, max: 1000, integer: true, default: 30 },
  batchSize: { min: 8, max: 4096, integer: true, default: 256 },
  learningRate: { min: 1e-5, max: 0.1, integer: false, default: 0.001 },
  patience: { min: 0, max: 100, integer: true, default: 4 },
  validationFraction: { min: 0.05, max: 0.4, integer: false, default: 0.1 },
  l2: { min: 0, max: 1e6, integer: false, default: 1 },
};

export class ModelParamsError extends Error {
  constructor(readonly problems: { field: string; problem: string }[]) {
    super(`Invalid model parameters: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}`);
    this.name = 'ModelParamsError';
  }
}

/** Every parameter checked (unknown ones refused), defaults filled in. */
export function resolveModelParams(input: Record<string, unknown> = {}): ModelParams {
  const problems: { field: string; problem: string }[] = [];
  const params = {} as ModelParams;
  for (const field of Object.keys(input)) {
    if (!(field in MODEL_PARAM_RULES)) {
      problems.push({
        field: `params.${field}`,
        problem: `is not a model parameter (known: ${Object.keys(MODEL_PARAM_RULES).join(', ')})`,
      });
    }
  }
  for (const [field, rule] of Object.entries(MODEL_PARAM_RULES) as [
    keyof ModelParams,
    ParamRule,
  ][]) {
    const value = input[field] ?? rule.default;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      problems.push({ field: `params.${field}`, problem: 'must be a number' });
    } else if (rule.integer && !Number.isInteger(value)) {
      problems.push({ field: `params.${field}`, problem: 'must be a whole number' });
    } else if (value < rule.min || value > rule.max) {
      problems.push({
        field: `params.${field}`,
        problem: `must be between ${rule.min} and ${rule.max}`,
      });
    } else {
      params[field] = value;
    }
  }
  if (problems.length) {
    throw new ModelParamsError(problems);
  }
  return params;
}
