import { findIndicator, INDICATOR_CATALOGUE, indicatorNames } from './indicator-catalogue';
import type { IndicatorDefinition, IndicatorParamDefinition } from './indicator-definition';

/** One indicator with all its parameters: `macd` with [12, 26, 9], key `macd:12,26,9`. */
export interface IndicatorSpec {
  readonly name: string;
  /** Every positional parameter, defaults filled in. */
  readonly params: readonly number[];
  /** Canonical text: `rsi:14`, `macd:12,26,9`, `obv`. Equal specs have equal keys. */
  readonly key: string;
}

/**
 * A spec that names no known indicator or has a bad parameter. `field` says where: `indicators`
 * for the list itself (an unknown name, a number with no indicator before it), `macd` for the
 * parameter count or a rule between parameters, `macd.slowPeriod` for one parameter. `token` is the
 * text at fault. The message names it and lists what is valid.
 */
export class IndicatorSpecError extends Error {
  constructor(
    readonly field: string,
    readonly token: string,
    message: string,
  ) {
    super(message);
    this.name = 'IndicatorSpecError';
  }
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const STARTS_WITH_LETTER = /^[a-z]/i;

function describeParam(param: IndicatorParamDefinition): string {
  const low = param.minExclusive ? `>${param.min}` : String(param.min);
  return `${param.name} (${param.type} ${low}..${param.max}, default ${param.default})`;
}

function describeParams(definition: IndicatorDefinition): string {
  return definition.params.length === 0
    ? `${definition.name} takes no parameters`
    : `${definition.name} takes ${definition.params.map(describeParam).join(', ')}`;
}

function unknownIndicator(name: string, token: string): IndicatorSpecError {
  return new IndicatorSpecError(
    'indicators',
    token,
    `Unknown indicator "${name}" in "${token}"; known indicators: ${indicatorNames().join(', ')}`,
  );
}

function parseParam(
  definition: IndicatorDefinition,
  param: IndicatorParamDefinition,
  raw: number | string,
  token: string,
): number {
  const field = `${definition.name}.${param.name}`;
  const refuse = (problem: string) =>
    new IndicatorSpecError(
      field,
      token,
      `${definition.name} ${param.name} ${problem}, got "${raw}" in "${token}"; ${describeParams(definition)}`,
    );
  if (typeof raw === 'string' && !NUMBER.test(raw)) {
    throw refuse('must be a number');
  }
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw refuse('must be a number');
  }
  if (param.type === 'integer' && !Number.isInteger(value)) {
    throw refuse(`must be a whole number from ${param.min} to ${param.max}`);
  }
  const tooLow = param.minExclusive ? value <= param.min : value < param.min;
  if (tooLow || value > param.max) {
    const range = param.minExclusive
      ? `greater than ${param.min} and at most ${param.max}`
      : `from ${param.min} to ${param.max}`;
    throw refuse(`must be ${param.type === 'integer' ? 'an integer' : 'a number'} ${range}`);
  }
  return value;
}

interface ResolvedSpec {
  spec: IndicatorSpec;
  definition: IndicatorDefinition;
}

function resolve(
  name: string,
  rawParams: readonly (number | string)[],
  token: string,
): ResolvedSpec {
  const definition = findIndicator(name);
  if (definition === undefined) {
    throw unknownIndicator(name, token);
  }
  if (rawParams.length > definition.params.length) {
    const most =
      definition.params.length === 0
        ? 'no parameters'
        : `at most ${definition.params.length} parameter${definition.params.length === 1 ? '' : 's'}`;
    throw new IndicatorSpecError(
      definition.name,
      token,
      `${definition.name} takes ${most}, got ${rawParams.length} in "${token}"; ${describeParams(definition)}`,
    );
  }
  const params = definition.params.map((param, index) => {
    const raw = rawParams[index];
    return raw === undefined ? param.default : parseParam(definition, param, raw, token);
  });
  const problem = definition.checkParams?.(params);
  if (problem !== undefined) {
    throw new IndicatorSpecError(
      definition.name,
      token,
      `${definition.name} ${problem} in "${token}"; ${describeParams(definition)}`,
    );
  }
  const key = params.length === 0 ? definition.name : `${definition.name}:${params.join(',')}`;
  return { spec: { name: definition.name, params, key }, definition };
}

/** A validated spec from code: `createIndicatorSpec('macd', [12, 26, 9])`; omitted params default. */
export function createIndicatorSpec(name: string, params: readonly number[] = []): IndicatorSpec {
  const token = params.length === 0 ? name : `${name}:${params.join(',')}`;
  return resolve(name.toLowerCase(), params, token).spec;
}

/**
 * Parses `rsi:14,macd:12,26,9,bb:20,2`. Commas separate both indicators and parameters: a token
 * that starts with a letter begins a new indicator, any other token is the next parameter of the
 * current one. Names are case-insensitive; omitted parameters take their defaults (`rsi` is
 * `rsi:14`). A spec listed twice is kept once, in its first place.
 */
export function parseIndicatorList(text: string): IndicatorSpec[] {
  if (text.trim() === '') {
    throw new IndicatorSpecError(
      'indicators',
      text,
      `No indicators given; name one or more, e.g. rsi:14,macd:12,26,9; known indicators: ${indicatorNames().join(', ')}`,
    );
  }
  const groups: { name: string; params: string[]; text: string }[] = [];
  for (const raw of text.split(',')) {
    const token = raw.trim();
    if (token === '') {
      throw new IndicatorSpecError(
        'indicators',
        text,
        `Empty entry in "${text}"; separate indicators and parameters with single commas, e.g. rsi:14,macd:12,26,9`,
      );
    }
    if (STARTS_WITH_LETTER.test(token)) {
      const colon = token.indexOf(':');
      groups.push({
        name: (colon < 0 ? token : token.slice(0, colon)).trim().toLowerCase(),
        params: colon < 0 ? [] : [token.slice(colon + 1).trim()],
        text: token,
      });
      continue;
    }
    const current = groups.at(-1);
    if (current === undefined) {
      throw new IndicatorSpecError(
        'indicators',
        token,
        `"${token}" is a parameter with no indicator before it; an indicator starts with a letter, e.g. rsi:14`,
      );
    }
    current.params.push(token);
    current.text += `,${token}`;
  }
  const specs = new Map<string, IndicatorSpec>();
  for (const group of groups) {
    const { spec } = resolve(group.name, group.params, group.text);
    if (!specs.has(spec.key)) {
      specs.set(spec.key, spec);
    }
  }
  return [...specs.values()];
}

/**
 * Exactly one spec, `macd:12,26,9` or `obv`: the name, then its parameters after a colon,
 * separated by commas. Omitted parameters take their defaults, as in `parseIndicatorList`.
 */
export function parseIndicatorSpec(text: string): IndicatorSpec {
  const token = text.trim();
  const colon = token.indexOf(':');
  const name = (colon < 0 ? token : token.slice(0, colon)).trim().toLowerCase();
  if (!STARTS_WITH_LETTER.test(name)) {
    throw unknownIndicator(name, token);
  }
  const params = colon < 0 ? [] : token.slice(colon + 1).split(',');
  return resolve(
    name,
    params.map((param) => param.trim()),
    token,
  ).spec;
}

/** Leading null candles of each output of the spec. */
export function indicatorWarmup(spec: IndicatorSpec): Record<string, number> {
  return definitionOf(spec).warmup(spec.params);
}

/** Candles before every output of every spec has a value: how much history to load first. */
export function warmupCandles(specs: readonly IndicatorSpec[]): number {
  let most = 0;
  for (const spec of specs) {
    most = Math.max(most, ...Object.values(indicatorWarmup(spec)));
  }
  return most;
}

/** Output names of the spec, in catalogue order. */
export function indicatorOutputs(spec: IndicatorSpec): string[] {
  return definitionOf(spec).outputs.map((output) => output.name);
}

/** Every catalogue entry at its default parameters. */
export function defaultIndicatorSpecs(): IndicatorSpec[] {
  return INDICATOR_CATALOGUE.map((definition) => createIndicatorSpec(definition.name));
}

/**
 * The catalogue entry of a spec, after checking the spec again: a spec built by hand rather than
 * parsed or created must not reach an indicator with parameters it cannot take.
 */
export function definitionOf(spec: IndicatorSpec): IndicatorDefinition {
  const checked = resolve(spec.name, spec.params, spec.key);
  if (checked.spec.key !== spec.key) {
    throw new IndicatorSpecError(
      spec.name,
      spec.key,
      `Spec key "${spec.key}" does not match its parameters (expected "${checked.spec.key}")`,
    );
  }
  return checked.definition;
}
