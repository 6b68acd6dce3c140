import { PATTERN_INDICATORS } from './candlestick-patterns';
import { adxIndicator, mfiIndicator, vwapIndicator } from './custom-indicators';
import type {
  IndicatorCategory,
  IndicatorDefinition,
  IndicatorMemory,
  IndicatorOutputDefinition,
  IndicatorParamDefinition,
} from './indicator-definition';
import {
  atrIndicator,
  bollingerIndicator,
  cciIndicator,
  emaIndicator,
  ichimokuIndicator,
  macdIndicator,
  obvIndicator,
  psarIndicator,
  rocIndicator,
  rsiIndicator,
  smaIndicator,
  stochasticIndicator,
  stochasticRsiIndicator,
  williamsRIndicator,
  wmaIndicator,
} from './library-indicators';

/** Every indicator a spec can name, in the order `GET /indicators` lists them. */
export const INDICATOR_CATALOGUE: readonly IndicatorDefinition[] = [
  smaIndicator,
  emaIndicator,
  wmaIndicator,
  rsiIndicator,
  macdIndicator,
  bollingerIndicator,
  atrIndicator,
  stochasticIndicator,
  stochasticRsiIndicator,
  adxIndicator,
  cciIndicator,
  obvIndicator,
  vwapIndicator,
  mfiIndicator,
  williamsRIndicator,
  rocIndicator,
  ichimokuIndicator,
  psarIndicator,
  ...PATTERN_INDICATORS,
];

const BY_NAME = new Map(INDICATOR_CATALOGUE.map((definition) => [definition.name, definition]));

export function findIndicator(name: string): IndicatorDefinition | undefined {
  return BY_NAME.get(name);
}

export function indicatorNames(): string[] {
  return INDICATOR_CATALOGUE.map((definition) => definition.name);
}

export interface IndicatorDescription {
  name: string;
  title: string;
  category: IndicatorCategory;
  memory: IndicatorMemory;
  params: IndicatorParamDefinition[];
  outputs: IndicatorOutputDefinition[];
  /** The canonical spec with every parameter at its default: `macd:12,26,9`. */
  defaultSpec: string;
  /** Leading null candles per output, in words. */
  warmupRule: string;
  /** Candles before every output has a value, at the default parameters. */
  defaultWarmup: number;
  notes: string | null;
}

/** The catalogue as plain data, for `GET /indicators`. */
export function describeIndicatorCatalogue(): IndicatorDescription[] {
  return INDICATOR_CATALOGUE.map((definition) => {
    const defaults = definition.params.map((param) => param.default);
    return {
      name: definition.name,
      title: definition.title,
      category: definition.category,
      memory: definition.memory,
      params: definition.params.map((param) => ({ ...param })),
      outputs: definition.outputs.map((output) => ({ ...output })),
      defaultSpec:
        defaults.length === 0 ? definition.name : `${definition.name}:${defaults.join(',')}`,
      warmupRule: definition.warmupRule,
      defaultWarmup: Math.max(...Object.values(definition.warmup(defaults))),
      notes: definition.notes ?? null,
    };
  });
}
