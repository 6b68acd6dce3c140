import { InvalidArgumentError } from 'commander';
import { API_KEY_ROLES, type ApiKeyRole } from '../auth/api-key.entity';
import { parseTime } from '../common/time-param';
import {
  FeatureListError,
  parseFeatureList,
  type FeatureContext,
  type FeatureName,
} from '../models/engine/feature-spec';
import { isModelKind, MODEL_KINDS, type ModelKind } from '../models/engine/model-kind';

/**
 * How commands read their options, in one place: each parser either returns the value or throws
 * commander's InvalidArgumentError with a message that names the option and what it takes.
 */

/** `--params {"units":32}`: an object of numbers. */
export function parseJsonObject(value: string): Record<string, number> {
  try {
    const parsed = JSON.parse(value) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return parsed as Record<string, number>;
    }
  } catch {
    // reported below
  }
  throw new InvalidArgumentError('must be a JSON object, e.g. {"units":32}');
}

export function parseModelKind(value: string): ModelKind {
  if (!isModelKind(value)) {
    throw new InvalidArgumentError(`must be one of ${MODEL_KINDS.join(', ')}`);
  }
  return value;
}

export function parseRole(value: string): ApiKeyRole {
  if (!(API_KEY_ROLES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`must be one of ${API_KEY_ROLES.join(', ')}`);
  }
  return value as ApiKeyRole;
}

/**
 * A parser of whole numbers of at least `min` (and at most `max` when given), whose error names
 * the option: `--trials must be a whole number from 1 to 200`.
 */
export function wholeNumber(name: string, min: number, max?: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || (max !== undefined && parsed > max)) {
      throw new InvalidArgumentError(
        max === undefined
          ? `${name} must be a whole number of at least ${min}`
          : `${name} must be a whole number from ${min} to ${max}`,
      );
    }
    return parsed;
  };
}

/** A time as the API reads it (epoch ms or ISO-8601, UTC without a zone), for `option`. */
export function parseTimeOption(value: string, option: string): number {
  try {
    return parseTime(value, option);
  } catch {
    throw new InvalidArgumentError(
      `${option} must be an ISO-8601 time or epoch milliseconds, got ${JSON.stringify(value)}`,
    );
  }
}

/** `BTC, ETH,`: the non-empty items of a comma-separated list, trimmed. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** A `--features` list in canonical form, or an error naming each bad entry. */
export function parseFeatureOption(
  option: string,
  features: readonly string[],
  context: FeatureContext,
): FeatureName[] {
  try {
    return parseFeatureList(features, context);
  } catch (error) {
    if (!(error instanceof FeatureListError)) {
      throw error;
    }
    const hint =
      context.otherMarkets === undefined
        ? ' (inputs from other markets need --symbol, not --csv)'
        : '';
    throw new InvalidArgumentError(
      `${option}: ${error.problems.map((p) => `${p.field} ${p.problem}`).join('; ')}${hint}`,
    );
  }
}
