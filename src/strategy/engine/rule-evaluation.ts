import type { RuleCondition, StrategyDefinition } from './strategy-definition';
import { inputKey, type InputColumns } from './strategy-inputs';

export type Action = 'BUY' | 'SELL' | 'HOLD';

/** A rule that fired at a decision: stored with the signal as its reasons. */
export interface FiredRule {
  label: string;
  input: string;
  value: number;
  weight: number;
}

export interface Decision {
  action: Action;
  /** Weighted vote of the rules that fired, in [-1, 1]. */
  score: number;
  /** |score|. */
  confidence: number;
  fired: FiredRule[];
}

/** Whether a condition holds at a value (and, for crossings, the value one candle before). */
export function conditionHolds(
  condition: RuleCondition,
  value: number | null,
  previous: number | null,
): boolean {
  if (value === null) {
    return false;
  }
  switch (condition.op) {
    case '>':
      return value > condition.value;
    case '<':
      return value < condition.value;
    case 'between':
      return value >= condition.min && value <= condition.max;
    case 'crossesAbove':
      return previous !== null && previous < condition.value && value >= condition.value;
    case 'crossesBelow':
      return previous !== null && previous > condition.value && value <= condition.value;
  }
}

/**
 * The decision at candle `index`: the fired rules' weights summed and divided by the larger of
 * the total bullish and total bearish weight (so all bullish rules firing is +1), clamped to
 * [-1, 1]; BUY at or above the buy threshold, SELL at or below the sell one, else HOLD. Below the
 * minimum confidence it is HOLD.
 */
export function decide(
  definition: StrategyDefinition,
  inputs: InputColumns,
  index: number,
): Decision {
  const fired: FiredRule[] = [];
  let bullish = 0;
  let bearish = 0;
  let sum = 0;
  for (const rule of definition.rules) {
    if (rule.weight > 0) {
      bullish += rule.weight;
    } else {
      bearish -= rule.weight;
    }
    const column = inputs.get(inputKey(rule.input, rule.period));
    const value = column?.[index] ?? null;
    const previous = index > 0 ? (column?.[index - 1] ?? null) : null;
    if (conditionHolds(rule.condition, value, previous)) {
      sum += rule.weight;
      fired.push({
        label: rule.label ?? `${rule.input} ${describe(rule.condition)}`,
        input: rule.input,
        value: value!,
        weight: rule.weight,
      });
    }
  }
  const scale = Math.max(bullish, bearish) || 1;
  const score = Math.max(-1, Math.min(1, sum / scale));
  const confidence = Math.abs(score);
  let action: Action =
    score >= definition.thresholds.buy
      ? 'BUY'
      : score <= definition.thresholds.sell
        ? 'SELL'
        : 'HOLD';
  if (
    definition.guards.minConfidence !== undefined &&
    confidence < definition.guards.minConfidence
  ) {
    action = 'HOLD';
  }
  return { action, score, confidence, fired };
}

function describe(condition: RuleCondition): string {
  switch (condition.op) {
    case 'between':
      return `between ${condition.min} and ${condition.max}`;
    case 'crossesAbove':
      return `crosses above ${condition.value}`;
    case 'crossesBelow':
      return `crosses below ${condition.value}`;
    case '>':
    case '<':
      return `${condition.op} ${condition.value}`;
  }
}
