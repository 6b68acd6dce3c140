import type { Candle } from '../market-data/candle';
import { MarketCatalogue, intervalMs } from '../market-data/market-catalogue';
import { loadTensorFlow, type TfBackend } from '../models/engine/tf-backend';
import {
  walkForwardModelParams,
  type GeneratedPrediction,
} from '../models/engine/walk-forward-predictions';
import { storedCandles, type CandleSource, type WithApp } from '../models/in-process-inputs';
import { SentimentService } from '../sentiment/sentiment.service';
import { readCandleCsv } from '../simulator/candle-series';
import type { BacktestResult } from './engine/backtest';
import {
  needsModel,
  parseStrategyDefinition,
  type PositionSizing,
  type StrategyDefinition,
} from './engine/strategy-definition';
import type { PredictionInput } from './engine/strategy-inputs';
import { replayStrategy } from './engine/strategy-replay';
import { backtestFigures, backtestWalkForward } from './backtest-steps';
import { StrategiesService } from './strategies.service';
import { readsSentiment, strategySentiment } from './strategy-evaluator';

/** A strategy, named for the reader: a stored one (`name vN`), or a definition file's name. */
interface LabelledStrategy {
  label: string;
  definition: StrategyDefinition;
}

/** A backtest to run in this process: its strategy, its candles, and what its model rules read. */
export interface InProcessBacktestRequest {
  /** A stored strategy by name or id, or a definition read elsewhere. */
  strategy: { nameOrId: string } | LabelledStrategy;
  market: CandleSource & { symbol: string };
  /** First candle decided on and last candle (inclusive); default: every candle. */
  from?: number;
  to?: number;
  fill: { startingCash: number; feeRate: number; slippage: number };
  /** Default: the strategy's sizing, else all-in. */
  sizing?: PositionSizing;
  /**
   * What the model rules read (asked for only when the strategy has some): predictions from
   * elsewhere, walk-forward predictions made here, or none (they then never fire).
   */
  predictions:
    | { load: () => Promise<ReadonlyMap<number, PredictionInput>> }
    | { walkForward: { retrainEvery: number; modelParams?: Record<string, number> } }
    | 'none';
}

/** What keeps an in-process backtest from running, for the caller to word. */
export type InProcessBacktestProblem =
  /** The strategy reads sentiment, which a CSV of candles does not have. */
  | { kind: 'no-sentiment' }
  | { kind: 'empty-range'; candles: number; firstOpenTime?: number }
  /** Walk-forward blocks must be a whole number of at least 24 candles. */
  | { kind: 'retrain-every' };

export class InProcessBacktestError extends Error {
  constructor(readonly problem: InProcessBacktestProblem) {
    super(`The backtest cannot run: ${problem.kind}`);
  }
}

/** What an in-process backtest reports as it goes. */
export interface InProcessBacktestProgress {
  onWalkForwardStart?: (run: { blocks: number; retrainEvery: number; backend: string }) => void;
  onWalkForwardBlock?: (done: number, total: number) => void;
  onReplayStart?: (candles: number) => void;
  onDecisions?: (done: number) => void;
}

/**
 * A backtest job's replay (`replayStrategy`, walk-forward predictions as backtestWalkForward makes
 * them) in this process, on a stored market (with the sentiment its jobs read) or a candle CSV,
 * with a stored strategy or a given definition; a definition with a CSV needs no database.
 */
export async function backtestInProcess(
  request: InProcessBacktestRequest,
  env: InProcessBacktestProgress & { withApp: WithApp; tfBackend?: TfBackend },
): Promise<{
  label: string;
  sizing: PositionSizing;
  firstOpenTime: number;
  lastOpenTime: number;
  /** Whether the strategy has model rules. */
  readsModel: boolean;
  /** What the model rules read, when they read anything. */
  predictions?: ReadonlyMap<number, PredictionInput>;
  /** The walk-forward predictions made here, to replay them later. */
  generated?: GeneratedPrediction[];
  result: BacktestResult;
  figures: ReturnType<typeof backtestFigures>;
}> {
  const { label, definition, candles, sentiment } = await inputs(request, env.withApp);
  if (request.market.csv && readsSentiment(definition)) {
    throw new InProcessBacktestError({ kind: 'no-sentiment' });
  }
  const sizing = request.sizing ?? definition.sizing ?? { kind: 'all-in' };
  const from = request.from ?? Number.NEGATIVE_INFINITY;
  const to = request.to ?? Number.POSITIVE_INFINITY;
  const range = candles.flatMap((candle, index) =>
    candle.openTime >= from && candle.openTime <= to ? [index] : [],
  );
  const start = range[0];
  const end = range[range.length - 1];
  if (start === undefined || end === undefined) {
    throw new InProcessBacktestError({
      kind: 'empty-range',
      candles: candles.length,
      firstOpenTime: candles[0]?.openTime,
    });
  }
  // Candles after the range are never read; those before it warm the inputs up (and train the
  // first walk-forward model).
  const read = candles.slice(0, end + 1);
  const step = intervalMs(request.market.interval);
  const readsModel = needsModel(definition);
  let predictions: ReadonlyMap<number, PredictionInput> | undefined;
  let generated: GeneratedPrediction[] | undefined;
  if (readsModel && request.predictions !== 'none') {
    if ('load' in request.predictions) {
      predictions = await request.predictions.load();
    } else {
      const { retrainEvery, modelParams } = request.predictions.walkForward;
      if (!Number.isInteger(retrainEvery) || retrainEvery < 24) {
        throw new InProcessBacktestError({ kind: 'retrain-every' });
      }
      const params = walkForwardModelParams(modelParams);
      const { tf, backend } = await loadTensorFlow(env.tfBackend);
      env.onWalkForwardStart?.({
        blocks: Math.ceil(range.length / retrainEvery),
        retrainEvery,
        backend,
      });
      const made = await backtestWalkForward({
        tf,
        candles: read,
        start,
        intervalMs: step,
        modelParams: params,
        retrainEvery,
        onBlock: env.onWalkForwardBlock,
      });
      predictions = made.predictions;
      generated = [...made.predictions.values()];
    }
  }
  env.onReplayStart?.(range.length);
  const result = replayStrategy({
    definition,
    candles: read,
    start,
    predictions,
    sentiment,
    ...request.fill,
    sizing,
    intervalMs: step,
    onDecisions: env.onDecisions,
  });
  return {
    label,
    sizing,
    firstOpenTime: candles[start]!.openTime,
    lastOpenTime: candles[end]!.openTime,
    readsModel,
    predictions,
    generated,
    result,
    figures: backtestFigures(result, {
      candles: range.length,
      predictionsUsed: predictions?.size ?? 0,
    }),
  };
}

/** The strategy and its candles, with the sentiment a backtest job of the market would read. */
async function inputs(
  request: InProcessBacktestRequest,
  withApp: WithApp,
): Promise<LabelledStrategy & { candles: Candle[]; sentiment?: (number | null)[] }> {
  const { strategy: asked, market } = request;
  if ('definition' in asked && market.csv) {
    return { ...asked, candles: readCandleCsv(market.csv) };
  }
  return withApp(async (app) => {
    let strategy: LabelledStrategy;
    if ('definition' in asked) {
      strategy = asked;
    } else {
      const stored = await app.get(StrategiesService).get(asked.nameOrId);
      strategy = {
        label: `${stored.name} v${stored.version}`,
        definition: parseStrategyDefinition(stored.definition),
      };
    }
    const candles = market.csv
      ? readCandleCsv(market.csv)
      : await storedCandles(app, market.symbol, market.interval);
    const sentiment =
      readsSentiment(strategy.definition) && !market.csv
        ? await strategySentiment(app.get(SentimentService), {
            symbol: app.get(MarketCatalogue).resolveSymbol(market.symbol),
            candles,
            intervalMs: intervalMs(market.interval),
          })
        : undefined;
    return { ...strategy, candles, sentiment };
  });
}
