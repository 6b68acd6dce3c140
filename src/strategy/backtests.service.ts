import { Injectable } from '@nestjs/common';
import { ValidationException } from '../common/app.exception';
import { parseTime } from '../common/time-param';
import { assertUuid } from '../common/uuid.pipe';
import type { Candle, MarketKey } from '../market-data/candle';
import { MarketCatalogue, intervalMs } from '../market-data/market-catalogue';
import { CandlesRepository } from '../market-data/candles.repository';
import { ModelParamsError, resolveModelParams } from '../models/engine/model-params';
import {
  WALK_FORWARD_DEFAULTS,
  walkForwardModelParams,
  type WalkForwardBlock,
} from '../models/engine/walk-forward-predictions';
import { PredictionsRepository } from '../models/predictions.repository';
import { TensorFlowProvider } from '../models/tensorflow.provider';
import { JobName } from '../queue/queue.catalogue';
import { QueueService } from '../queue/queue.service';
import { SentimentService } from '../sentiment/sentiment.service';
import {
  needsModel,
  parseStrategyDefinition,
  type PositionSizing,
  type StrategyDefinition,
} from './engine/strategy-definition';
import type { BacktestResult } from './engine/backtest';
import type { PredictionInput } from './engine/strategy-inputs';
import { replayStrategy } from './engine/strategy-replay';
import { readsSentiment, strategySentiment } from './strategy-evaluator';
import type { BacktestEntity } from './backtest.entity';
import { backtestFigures, backtestWalkForward } from './backtest-steps';
import { BacktestsRepository } from './backtests.repository';
import { requestedSizing } from './requested-sizing';
import { storedEquityCurves } from './stored-equity-curves';
import {
  BacktestDto,
  BacktestSummaryDto,
  type BacktestsQueryDto,
  type CreateBacktestDto,
} from './dto/backtest.dto';
import { StrategiesService, StrategyException } from './strategies.service';

const DEFAULT_LIST_LIMIT = 100;
/** Candles before `from` for the inputs to warm up (long averages, MACD). */
const SEED_CANDLES = 1500;

/** Backtests: requests, the job that runs them, and their results. */
@Injectable()
export class BacktestsService {
  constructor(
    private readonly backtests: BacktestsRepository,
    private readonly catalogue: MarketCatalogue,
    private readonly strategies: StrategiesService,
    private readonly candles: CandlesRepository,
    private readonly predictions: PredictionsRepository,
    private readonly queues: QueueService,
    private readonly tensorflow: TensorFlowProvider,
    private readonly sentiment: SentimentService,
  ) {}

  async create(input: CreateBacktestDto): Promise<{ backtestId: string; jobId: string }> {
    const strategy = await this.strategies.get(input.strategy);
    const symbol = this.catalogue.resolveSymbol(input.symbol);
    const interval = this.catalogue.resolveInterval(input.interval);
    const from = parseTime(input.from, 'from');
    const to = parseTime(input.to, 'to');
    if (from >= to) {
      throw new ValidationException([{ field: 'from', problem: 'must be before to' }]);
    }
    if (input.sizing && input.fraction !== undefined) {
      throw new ValidationException([
        { field: 'fraction', problem: 'give either fraction or sizing, not both' },
      ]);
    }
    // The request's sizing, else the strategy's, else all-in; stored with the backtest.
    const sizing: PositionSizing = input.sizing
      ? requestedSizing(input.sizing)
      : input.fraction !== undefined
        ? input.fraction >= 1
          ? { kind: 'all-in' }
          : { kind: 'fraction', fraction: input.fraction }
        : (parseStrategyDefinition(strategy.definition).sizing ?? { kind: 'all-in' });
    let modelParams: Record<string, number>;
    try {
      modelParams = { ...walkForwardModelParams(input.modelParams) };
    } catch (error) {
      if (error instanceof ModelParamsError) {
        throw new ValidationException(
          error.problems.map((p) => ({
            field: p.field.replace(/^params/, 'modelParams'),
            problem: p.problem,
          })),
        );
      }
      throw error;
    }
    const backtest = await this.backtests.create({
      strategyId: strategy.id,
      exchange: this.catalogue.exchange,
      symbol: this.catalogue.pair(symbol),
      interval,
      fromTime: new Date(from),
      toTime: new Date(to),
      params: {
        startingCash: input.startingCash ?? 10_000,
        feeRate: input.feeRate ?? 0.001,
        slippage: input.slippage ?? 0,
        sizing,
        walkForward: input.walkForward ?? true,
        retrainEvery: input.retrainEvery ?? WALK_FORWARD_DEFAULTS.retrainEvery,
        modelParams,
      },
    });
    const jobId = await this.queues.enqueue({
      name: JobName.RunBacktest,
      payload: { backtestId: backtest.id },
      key: backtest.id,
    });
    await this.backtests.setJobId(backtest.id, jobId);
    return { backtestId: backtest.id, jobId };
  }

  private async find(id: string): Promise<BacktestEntity> {
    assertUuid(id, 'id');
    const backtest = await this.backtests.find(id);
    if (!backtest) {
      throw new StrategyException('NOT_FOUND', `No backtest ${id}`);
    }
    return backtest;
  }

  async get(id: string): Promise<BacktestDto> {
    const backtest = await this.find(id);
    const base = this.catalogue.baseOf(backtest.symbol);
    // The curve is a field of its own, next to `equity`; `result` keeps the figures.
    const { buyAndHoldEquity, ...result } = backtest.result ?? {};
    return Object.assign(new BacktestDto(), {
      id: backtest.id,
      strategyId: backtest.strategyId,
      symbol: base,
      pair: backtest.symbol,
      interval: backtest.interval,
      from: backtest.fromTime,
      to: backtest.toTime,
      params: backtest.params,
      status: backtest.status,
      jobId: backtest.jobId,
      result: backtest.result && result,
      equity: backtest.equity,
      buyAndHoldEquity: buyAndHoldEquity ?? null,
      error: backtest.error,
      createdAt: backtest.createdAt,
      finishedAt: backtest.finishedAt,
      tradeCount: backtest.trades?.length ?? null,
    });
  }

  /** Backtests newest first, of a strategy version and a market when given; paged with `before`. */
  async list(query: BacktestsQueryDto): Promise<BacktestSummaryDto[]> {
    if (query.strategyId !== undefined) {
      assertUuid(query.strategyId, 'strategyId');
    }
    const rows = await this.backtests.list({
      strategyId: query.strategyId,
      pair: query.symbol === undefined ? undefined : this.pairOf(query.symbol),
      before: query.before === undefined ? undefined : parseTime(query.before, 'before'),
      limit: query.limit ?? DEFAULT_LIST_LIMIT,
    });
    return rows.map((row) =>
      Object.assign(new BacktestSummaryDto(), {
        id: row.id,
        strategyId: row.strategyId,
        strategyName: row.strategyName,
        strategyVersion: row.strategyVersion,
        symbol: this.catalogue.baseOf(row.symbol),
        pair: row.symbol,
        interval: row.interval,
        from: row.fromTime,
        to: row.toTime,
        status: row.status,
        jobId: row.jobId,
        error: row.error,
        tradeCount: row.tradeCount,
        totalReturn: row.totalReturn,
        buyAndHoldReturn: row.buyAndHoldReturn,
        createdAt: row.createdAt,
        finishedAt: row.finishedAt,
      }),
    );
  }

  /**
   * The pair a `symbol` filter names (`btc`, `BTC-USDT`, `BTCUSDT`), configured or not: backtests
   * outlive a market's removal from SYMBOLS.
   */
  private pairOf(symbol: string): string {
    const upper = symbol.trim().toUpperCase().replace(/[-_/]/g, '');
    const { quote } = this.catalogue;
    return upper.endsWith(quote) && upper.length > quote.length
      ? upper
      : this.catalogue.pair(upper);
  }

  async trades(id: string, params: { offset?: number; limit?: number }): Promise<unknown[]> {
    const backtest = await this.find(id);
    const offset = params.offset ?? 0;
    return (backtest.trades ?? []).slice(offset, offset + (params.limit ?? 500));
  }

  /**
   * A strategy replayed over a market's stored candles in [from, to], the candles before them
   * warming its inputs up, reading `predictions` (default: the live ones stored for the range) and
   * the sentiment its rules read. What backtest jobs run, and what paper accounts compare with.
   */
  async replayStored(params: {
    definition: StrategyDefinition;
    market: MarketKey;
    from: number;
    to: number;
    fill: { startingCash: number; feeRate: number; slippage: number; sizing: PositionSizing };
    predictions?: ReadonlyMap<number, PredictionInput>;
  }): Promise<{ result: BacktestResult; candles: Candle[] }> {
    const { definition, market, from, to } = params;
    const step = intervalMs(market.interval);
    const [seed, range] = await Promise.all([
      this.candles.find({ ...market, from: 0, to: from - 1, limit: SEED_CANDLES, newest: true }),
      this.candles.find({ ...market, from, to, limit: Math.floor((to - from) / step) + 1 }),
    ]);
    const candles = [...seed, ...range];
    const predictions =
      params.predictions ??
      (needsModel(definition) ? await this.predictions.forRange(market, from, to) : undefined);
    const sentiment = readsSentiment(definition)
      ? await strategySentiment(this.sentiment, {
          symbol: this.catalogue.baseOf(market.symbol),
          candles,
          intervalMs: step,
        })
      : undefined;
    const result = replayStrategy({
      definition,
      candles,
      start: seed.length,
      predictions,
      sentiment,
      ...params.fill,
      intervalMs: step,
    });
    return { result, candles: range };
  }

  /** The job: inputs over the seed and range, a decision per candle in range, the replay, the results. */
  async run(id: string, onProgress?: (percent: number) => Promise<void>) {
    const backtest: BacktestEntity | null = await this.backtests.find(id);
    if (!backtest) {
      throw new StrategyException('NOT_FOUND', `No backtest ${id}`);
    }
    await this.backtests.markRunning(id);
    try {
      const strategy = await this.strategies.get(backtest.strategyId);
      const definition = parseStrategyDefinition(strategy.definition);
      const market = {
        exchange: backtest.exchange,
        symbol: backtest.symbol,
        interval: backtest.interval,
      };
      const step = intervalMs(market.interval);
      const from = backtest.fromTime.getTime();
      const to = backtest.toTime.getTime();
      const range = await this.candles.find({
        ...market,
        from,
        to,
        limit: Math.floor((to - from) / step) + 1,
      });
      if (range.length < 2) {
        throw new StrategyException(
          'VALIDATION_FAILED',
          `Only ${range.length} stored candles of ${market.symbol} ${market.interval} in the range`,
        );
      }
      await onProgress?.(10);
      const predictions: Map<number, PredictionInput> = await this.predictions.forRange(
        market,
        from,
        to,
      );
      const stored = predictions.size;
      const options = backtest.params;
      let blocks: WalkForwardBlock[] = [];
      if (needsModel(definition) && options.walkForward !== false && stored < range.length / 2) {
        // Not enough live predictions for the range: make them walk-forward, for the past.
        const history = await this.candles.find({
          ...market,
          from: 0,
          to: from - 1,
          limit: WALK_FORWARD_DEFAULTS.trainingCandles,
          newest: true,
        });
        const all = [...history, ...range];
        const { tf } = await this.tensorflow.get();
        const generated = await backtestWalkForward({
          tf,
          candles: all,
          start: history.length,
          intervalMs: step,
          modelParams: resolveModelParams(options.modelParams),
          retrainEvery: options.retrainEvery ?? WALK_FORWARD_DEFAULTS.retrainEvery,
          onBlock: (done, total) => onProgress?.(10 + Math.round((done / total) * 30)),
        });
        blocks = generated.blocks;
        for (const [openTime, prediction] of generated.predictions) {
          if (!predictions.has(openTime)) {
            predictions.set(openTime, prediction);
          }
        }
      }
      const { startingCash, feeRate, slippage, sizing } = backtest.params;
      const { result } = await this.replayStored({
        definition,
        market,
        from,
        to,
        fill: { startingCash, feeRate, slippage, sizing },
        predictions,
      });
      await onProgress?.(90);
      const { equity, buyAndHoldEquity } = storedEquityCurves(result);
      await this.backtests.complete(id, {
        result: {
          ...backtestFigures(result, { candles: range.length, predictionsUsed: predictions.size }),
          buyAndHoldEquity,
          predictionsStored: stored,
          predictionsGenerated: predictions.size - stored,
          walkForwardBlocks: blocks,
          strategyVersion: strategy.version,
        },
        trades: result.trades,
        equity,
      });
      return {
        backtestId: id,
        candles: range.length,
        trades: result.trades.length,
        totalReturn: result.metrics.totalReturn,
        buyAndHoldReturn: result.buyAndHold.totalReturn,
      };
    } catch (error) {
      await this.backtests.fail(id, (error as Error).message);
      throw error;
    }
  }
}
