import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ValidationException, type FieldProblem } from '../common/app.exception';
import { parseTime } from '../common/time-param';
import { assertUuid } from '../common/uuid.pipe';
import type { Candle, MarketKey } from '../market-data/candle';
import { MarketCatalogue, intervalMs } from '../market-data/market';
import { CandlesRepository } from '../market-data/candles.repository';
import { ModelParamsError, resolveModelParams } from '../models/engine/lstm-model';
import {
  WALK_FORWARD_DEFAULTS,
  walkForwardModelParams,
  walkForwardPredictions,
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
import { BacktestEntity } from './backtest.entity';
import { BacktestDto, type BacktestSizingDto, type CreateBacktestDto } from './dto/backtest.dto';
import { StrategiesService, StrategyException } from './strategies.service';

const MAX_EQUITY_POINTS = 2000;
/** Candles before `from` for the inputs to warm up (long averages, MACD). */
const SEED_CANDLES = 1500;

/** A request's sizing, refusing fields that belong to another kind (the DTO checked the ranges). */
export function requestedSizing(input: BacktestSizingDto): PositionSizing {
  const problems: FieldProblem[] = [];
  if (input.fraction !== undefined && input.kind !== 'fraction') {
    problems.push({ field: 'sizing.fraction', problem: 'is only read with kind fraction' });
  }
  for (const field of ['targetVolatility', 'maxFraction'] as const) {
    if (input[field] !== undefined && input.kind !== 'volatility') {
      problems.push({ field: `sizing.${field}`, problem: 'is only read with kind volatility' });
    }
  }
  if (problems.length) {
    throw new ValidationException(problems);
  }
  switch (input.kind) {
    case 'all-in':
      return { kind: 'all-in' };
    case 'fraction':
      return { kind: 'fraction', fraction: input.fraction! };
    case 'volatility':
      return {
        kind: 'volatility',
        targetVolatility: input.targetVolatility!,
        ...(input.maxFraction === undefined ? {} : { maxFraction: input.maxFraction }),
      };
  }
}

/** Backtests: requests, the job that runs them, and their results. */
@Injectable()
export class BacktestsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly catalogue: MarketCatalogue,
    private readonly strategies: StrategiesService,
    private readonly candles: CandlesRepository,
    private readonly predictions: PredictionsRepository,
    private readonly queues: QueueService,
    private readonly tensorflow: TensorFlowProvider,
    private readonly sentiment: SentimentService,
  ) {}

  private get repo() {
    return this.dataSource.getRepository(BacktestEntity);
  }

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
    const backtest = await this.repo.save(
      this.repo.create({
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
        status: 'queued',
      }),
    );
    const jobId = await this.queues.enqueue({
      name: JobName.RunBacktest,
      payload: { backtestId: backtest.id },
      key: backtest.id,
    });
    await this.repo.update({ id: backtest.id }, { jobId });
    return { backtestId: backtest.id, jobId };
  }

  private async find(id: string): Promise<BacktestEntity> {
    assertUuid(id, 'id');
    const backtest = await this.repo.findOne({ where: { id } });
    if (!backtest) {
      throw new StrategyException('NOT_FOUND', `No backtest ${id}`);
    }
    return backtest;
  }

  async get(id: string): Promise<BacktestDto> {
    const backtest = await this.find(id);
    const base = this.catalogue.baseOf(backtest.symbol);
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
      result: backtest.result,
      equity: backtest.equity,
      error: backtest.error,
      createdAt: backtest.createdAt,
      finishedAt: backtest.finishedAt,
      tradeCount: backtest.trades?.length ?? null,
    });
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
    const backtest = await this.repo.findOneOrFail({ where: { id } });
    await this.repo.update({ id }, { status: 'running', error: null });
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
      const options = backtest.params as {
        walkForward?: boolean;
        retrainEvery?: number;
        modelParams?: Record<string, number>;
      };
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
        const generated = await walkForwardPredictions({
          tf,
          candles: all,
          start: history.length,
          intervalMs: step,
          modelParams: resolveModelParams(options.modelParams),
          retrainEvery: options.retrainEvery ?? WALK_FORWARD_DEFAULTS.retrainEvery,
          trainingCandles: WALK_FORWARD_DEFAULTS.trainingCandles,
          onBlock: (done, total) => onProgress?.(10 + Math.round((done / total) * 30)),
        });
        blocks = generated.blocks;
        for (const [openTime, prediction] of generated.predictions) {
          if (!predictions.has(openTime)) {
            predictions.set(openTime, prediction);
          }
        }
      }
      const params = backtest.params as {
        startingCash: number;
        feeRate: number;
        slippage: number;
        sizing: PositionSizing;
      };
      const { result } = await this.replayStored({
        definition,
        market,
        from,
        to,
        fill: params,
        predictions,
      });
      await onProgress?.(90);
      const every = Math.max(1, Math.ceil(result.equity.length / MAX_EQUITY_POINTS));
      const equity = result.equity
        .filter((_, i) => i % every === 0 || i === result.equity.length - 1)
        .map((p) => [p.time, p.equity] as [number, number]);
      await this.repo.update(
        { id },
        {
          status: 'completed',
          result: {
            strategy: result.metrics,
            buyAndHold: result.buyAndHold,
            candles: range.length,
            predictionsUsed: predictions.size,
            predictionsStored: stored,
            predictionsGenerated: predictions.size - stored,
            walkForwardBlocks: blocks,
            strategyVersion: strategy.version,
          } as never,
          trades: result.trades as never,
          equity: equity as never,
          finishedAt: new Date(),
        },
      );
      return {
        backtestId: id,
        candles: range.length,
        trades: result.trades.length,
        totalReturn: result.metrics.totalReturn,
        buyAndHoldReturn: result.buyAndHold.totalReturn,
      };
    } catch (error) {
      await this.repo.update(
        { id },
        { status: 'failed', error: (error as Error).message, finishedAt: new Date() },
      );
      throw error;
    }
  }
}
