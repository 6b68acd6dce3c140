import { InvalidArgumentError } from 'commander';
import type { GeneratedPrediction } from '../../models/engine/walk-forward-predictions';
import {
  parseStrategyDefinition,
  positionSizingSchema,
  StrategyDefinitionError,
  type PositionSizing,
  type StrategyDefinition,
} from '../../strategy/engine/strategy-definition';

/** The options of `backtest`, as commander parses them. */
export interface BacktestOptions {
  strategy: string;
  definition?: string;
  symbol: string;
  interval: string;
  csv?: string;
  from?: string;
  to?: string;
  cash: string;
  fee: string;
  slippage: string;
  walkForward: boolean;
  retrainEvery: string;
  modelParams?: Record<string, number>;
  savePredictions?: string;
  loadPredictions?: string;
  sizing?: string;
  fraction?: string;
  targetVolatility?: string;
  maxFraction: string;
  json?: boolean;
}

/** A `--definition` file's strategy, or an error naming each bad field. */
export function parseDefinitionFile(text: string): StrategyDefinition {
  try {
    return parseStrategyDefinition(JSON.parse(text));
  } catch (error) {
    if (error instanceof StrategyDefinitionError || error instanceof SyntaxError) {
      throw new InvalidArgumentError(`--definition: ${error.message}`);
    }
    throw error;
  }
}

/** The predictions a `--save-predictions` file holds, by open time (`--load-predictions`). */
export function parsePredictionsFile(text: string): Map<number, GeneratedPrediction> {
  const parsed = JSON.parse(text) as { predictions?: GeneratedPrediction[] };
  const list = parsed.predictions ?? [];
  const bad = list.findIndex(
    (p) => ![p.openTime, p.predictedReturn, p.probabilityUp, p.trainedAt].every(Number.isFinite),
  );
  if (!Array.isArray(parsed.predictions) || bad >= 0) {
    throw new InvalidArgumentError(
      `--load-predictions: not a file of --save-predictions (entry ${bad} is not a prediction)`,
    );
  }
  return new Map(list.map((p) => [p.openTime, p]));
}

/** The sizing the options ask for (undefined without --sizing), checked as a strategy's. */
export function parseSizingOptions(options: BacktestOptions): PositionSizing | undefined {
  const flags = {
    fraction: '--fraction',
    targetVolatility: '--target-volatility',
    maxFraction: '--max-fraction',
  } as const;
  if (options.sizing === undefined) {
    if (options.fraction !== undefined || options.targetVolatility !== undefined) {
      throw new InvalidArgumentError(
        '--fraction and --target-volatility need --sizing fraction or --sizing volatility',
      );
    }
    return undefined;
  }
  const number = (value: string | undefined) => (value === undefined ? undefined : Number(value));
  const result = positionSizingSchema.safeParse(
    options.sizing === 'fraction'
      ? { kind: 'fraction', fraction: number(options.fraction) }
      : options.sizing === 'volatility'
        ? {
            kind: 'volatility',
            targetVolatility: number(options.targetVolatility),
            maxFraction: number(options.maxFraction),
          }
        : { kind: options.sizing },
  );
  if (!result.success) {
    throw new InvalidArgumentError(
      result.error.issues
        .map((issue) => {
          const field = issue.path[0];
          if (typeof field !== 'string' || !(field in flags)) {
            return `--sizing ${issue.message}`;
          }
          const flag = flags[field as keyof typeof flags];
          return options[field as keyof typeof flags] === undefined
            ? `${flag} is required with --sizing ${options.sizing}`
            : `${flag} ${issue.message}`;
        })
        .join('; '),
    );
  }
  return result.data;
}
