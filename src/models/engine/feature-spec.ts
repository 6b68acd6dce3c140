import { findIndicator, indicatorNames } from '../../indicators/engine/indicator-catalogue';
import type { OutputUnit } from '../../indicators/engine/indicator-definition';
import {
  IndicatorSpecError,
  parseIndicatorSpec,
  type IndicatorSpec,
} from '../../indicators/engine/indicator-spec';

/*
 * The grammar of a model's inputs. One string names one column, and is stored with the model in
 * its canonical form, so equal inputs are equal strings:
 * - a built-in input: `logReturn`, `rsi`, ... (FEATURES);
 * - an output of a catalogue indicator: `<spec>.<output>`, e.g. `ema:50.value`,
 *   `macd:12,26,9.signal`; the output may be left out when the indicator has only one
 *   (`ema:50` is `ema:50.value`), and omitted parameters take their defaults (`ema` is
 *   `ema:20.value`). A bare built-in name is the built-in: `rsi` is not `rsi:14.value`;
 * - the same read from another market's candles on the model's interval: `<BASE>/<input>`, e.g.
 *   `BTC/logReturn`, `BTC/rsi:14.value`.
 */

/** The built-in inputs, computed from a market's own candles (sentiment joins by itself). */
const FEATURES = [
  'logReturn',
  'highLowRange',
  'volumeZScore',
  'rsi',
  'macdHistogram',
  'bbPercentB',
  'atrRatio',
  'sentiment',
] as const;
export type BuiltinFeature = (typeof FEATURES)[number];

/** The built-ins a request may name (sentiment joins by itself where a series covers the candles). */
export const SELECTABLE_FEATURES = FEATURES.filter(
  (feature): feature is Exclude<BuiltinFeature, 'sentiment'> => feature !== 'sentiment',
);

export const DEFAULT_FEATURES: readonly BuiltinFeature[] = [
  'logReturn',
  'highLowRange',
  'volumeZScore',
  'rsi',
  'macdHistogram',
  'bbPercentB',
  'atrRatio',
];

/** One model input in its canonical form (`logReturn`, `ema:50.value`, `BTC/logReturn`). */
export type FeatureName = string;

/** Most inputs one model takes. */
export const MAX_FEATURES = 64;
const MAX_FEATURE_LENGTH = 100;

interface FeatureSpecBase {
  /** The canonical text. */
  key: FeatureName;
  /** Base asset of the market whose candles it reads; undefined: the model's own market. */
  market?: string;
}

/** A parsed input: a built-in, or one output of a catalogue indicator with its unit. */
export type FeatureSpec = FeatureSpecBase &
  (
    | { kind: 'builtin'; name: BuiltinFeature }
    | { kind: 'indicator'; indicator: IndicatorSpec; output: string; unit: OutputUnit }
  );

/** One input string that is not an input; the message says why and what is valid. */
export class FeatureSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeatureSpecError';
  }
}

/** A list of inputs with bad entries, each named by its place (`features[2]`). */
export class FeatureListError extends Error {
  constructor(readonly problems: { field: string; problem: string }[]) {
    super(`Invalid inputs: ${problems.map((p) => `${p.field} ${p.problem}`).join('; ')}`);
    this.name = 'FeatureListError';
  }
}

/** Where a model's inputs are checked: which markets its `<BASE>/...` inputs may read. */
export interface FeatureContext {
  /** Base asset of the model's own market (`ETH`); its inputs name it without a prefix. */
  market?: string;
  /** Base assets whose candles can be read; undefined when none can (a candle CSV). */
  otherMarkets?: readonly string[];
}

const MARKET = /^[A-Z0-9]{1,20}$/;
const STARTS_WITH_LETTER = /^[a-z]/i;

/**
 * The canonical spec of one input. Without a context the market prefix is only checked for its
 * form (stored inputs were checked when the model was trained).
 */
export function parseFeature(text: string, context?: FeatureContext): FeatureSpec {
  const trimmed = text.trim();
  if (trimmed === '') {
    throw new FeatureSpecError('is empty; name an input, e.g. logReturn or ema:50.value');
  }
  if (trimmed.length > MAX_FEATURE_LENGTH) {
    throw new FeatureSpecError(`is longer than ${MAX_FEATURE_LENGTH} characters`);
  }
  const slash = trimmed.indexOf('/');
  if (slash < 0) {
    return parseOwnFeature(trimmed);
  }
  const market = trimmed.slice(0, slash).trim().toUpperCase();
  checkMarket(market, trimmed, context);
  const local = trimmed.slice(slash + 1).trim();
  if (local.includes('/')) {
    throw new FeatureSpecError(`"${trimmed}" names more than one market; write <BASE>/<input>`);
  }
  const spec = parseOwnFeature(local);
  if (spec.kind === 'builtin' && spec.name === 'sentiment') {
    throw new FeatureSpecError(
      `"${trimmed}": sentiment is not read from another market (it joins by itself)`,
    );
  }
  return { ...spec, market, key: `${market}/${spec.key}` };
}

function checkMarket(market: string, text: string, context: FeatureContext | undefined): void {
  if (!MARKET.test(market)) {
    throw new FeatureSpecError(
      `"${text}" does not start with a market's base asset, e.g. BTC/logReturn`,
    );
  }
  if (!context) {
    return;
  }
  if (context.otherMarkets === undefined) {
    throw new FeatureSpecError(
      `"${text}" reads ${market}'s candles, which are not available here (inputs from other markets need stored candles)`,
    );
  }
  if (market === context.market) {
    throw new FeatureSpecError(
      `"${text}" names the model's own market; write the input without "${market}/"`,
    );
  }
  if (!context.otherMarkets.includes(market)) {
    throw new FeatureSpecError(
      `"${text}": market ${market} is not in the catalogue (known: ${context.otherMarkets.join(', ')})`,
    );
  }
}

/** A built-in or an indicator output of the model's own candles. */
function parseOwnFeature(text: string): FeatureSpec {
  const builtin = FEATURES.find((name) => name.toLowerCase() === text.toLowerCase());
  if (builtin) {
    return { kind: 'builtin', name: builtin, key: builtin };
  }
  const { specText, outputText } = splitOutput(text);
  const definition = findIndicator(specText.split(':')[0]!.trim().toLowerCase());
  if (!definition) {
    throw new FeatureSpecError(
      `"${text}" is neither a built-in input (${FEATURES.join(', ')}) nor an indicator of the catalogue (${indicatorNames().join(', ')})`,
    );
  }
  let indicator: IndicatorSpec;
  try {
    indicator = parseIndicatorSpec(specText);
  } catch (error) {
    throw error instanceof IndicatorSpecError ? new FeatureSpecError(error.message) : error;
  }
  const outputs = definition.outputs;
  const named = outputs.map((output) => `${indicator.key}.${output.name}`).join(', ');
  if (outputText === undefined && outputs.length > 1) {
    throw new FeatureSpecError(
      `"${text}": ${indicator.key} has ${outputs.length} outputs; name one of ${named}`,
    );
  }
  const output =
    outputText === undefined
      ? outputs[0]
      : outputs.find((candidate) => candidate.name.toLowerCase() === outputText.toLowerCase());
  if (!output) {
    throw new FeatureSpecError(
      `"${text}": ${indicator.key} has no output "${outputText}"; its outputs: ${named}`,
    );
  }
  return {
    kind: 'indicator',
    indicator,
    output: output.name,
    unit: output.unit,
    key: `${indicator.key}.${output.name}`,
  };
}

/**
 * `macd:12,26,9.signal` -> `macd:12,26,9` and `signal`. The output follows the last dot when a
 * letter follows it (output names start with one); `psar:0.02,0.2` has none.
 */
function splitOutput(text: string): { specText: string; outputText?: string } {
  const dot = text.lastIndexOf('.');
  const after = dot < 0 ? '' : text.slice(dot + 1).trim();
  return STARTS_WITH_LETTER.test(after)
    ? { specText: text.slice(0, dot).trim(), outputText: after }
    : { specText: text };
}

/**
 * A requested list of inputs in canonical form, in the order given; or a FeatureListError naming
 * each bad entry by its place (`features[1]`): not a string, not an input, a market that is not
 * there or is the model's own, a repeat, or sentiment (which joins by itself).
 */
export function parseFeatureList(
  values: readonly unknown[],
  context: FeatureContext,
  field = 'features',
): FeatureName[] {
  const problems: { field: string; problem: string }[] = [];
  if (values.length === 0 || values.length > MAX_FEATURES) {
    problems.push({ field, problem: `must name from 1 to ${MAX_FEATURES} inputs` });
  }
  const seen = new Map<FeatureName, number>();
  values.forEach((value, index) => {
    const where = `${field}[${index}]`;
    if (typeof value !== 'string') {
      problems.push({ field: where, problem: 'must be a string' });
      return;
    }
    try {
      const spec = parseFeature(value, context);
      if (spec.kind === 'builtin' && spec.name === 'sentiment') {
        problems.push({
          field: where,
          problem: 'sentiment is not chosen: it joins by itself where a series covers the candles',
        });
        return;
      }
      const first = seen.get(spec.key);
      if (first !== undefined) {
        problems.push({
          field: where,
          problem: `repeats ${field}[${first}] (both are ${spec.key})`,
        });
        return;
      }
      seen.set(spec.key, index);
    } catch (error) {
      if (!(error instanceof FeatureSpecError)) {
        throw error;
      }
      problems.push({ field: where, problem: error.message });
    }
  });
  if (problems.length) {
    throw new FeatureListError(problems);
  }
  return [...seen.keys()];
}

/**
 * A comma-separated list from the command line: a piece that starts with a letter begins a new
 * input, any other piece continues the previous one (`logReturn,macd:12,26,9.signal` is two
 * inputs), as in indicator lists.
 */
export function splitFeatureList(text: string): string[] {
  const features: string[] = [];
  for (const piece of text.split(',')) {
    const token = piece.trim();
    const last = features.length - 1;
    if (last >= 0 && token !== '' && !STARTS_WITH_LETTER.test(token)) {
      features[last] += `,${token}`;
    } else {
      features.push(token);
    }
  }
  return features;
}

/** The markets other than the model's own whose candles the inputs read, each once. */
export function featureMarkets(features: readonly FeatureName[]): string[] {
  const markets = new Set<string>();
  for (const feature of features) {
    const market = parseFeature(feature).market;
    if (market !== undefined) {
      markets.add(market);
    }
  }
  return [...markets];
}
