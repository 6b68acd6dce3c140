import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { AppException, ValidationException } from '../common/app.exception';
import { MAX_TIME_MS, parseTime } from '../common/time-param';
import { assertUuid, isUuid } from '../common/uuid.pipe';
import { AppConfig } from '../config/app-config';
import { MarketCatalogue } from '../market-data/market-catalogue';
import { PredictionCache } from '../models/live/prediction.cache';
import { RedisService } from '../redis/redis.service';
import {
  DEFAULT_STRATEGY,
  needsModel,
  parseStrategyDefinition,
  StrategyDefinitionError,
  type StrategyDefinition,
} from './engine/strategy-definition';
import {
  SignalDto,
  StrategyDto,
  type CreateStrategyDto,
  type EvaluateStrategyDto,
  type SignalHistoryQueryDto,
  type SignalsQueryDto,
  type UpdateStrategyDto,
} from './dto/strategy.dto';
import { SignalsRepository, type SignalRow } from './signals.repository';
import { StrategiesRepository } from './strategies.repository';
import { StrategyEntity } from './strategy.entity';
import { predictionInput, StrategyEvaluator } from './strategy-evaluator';
import { STRATEGIES_CHANGED } from './strategy-events';

export class StrategyException extends AppException {}

const NAME = /^[a-z0-9][a-z0-9-]{0,79}$/;

/** Strategies (versioned rules), their live signals and dry runs. */
@Injectable()
export class StrategiesService implements OnApplicationBootstrap {
  constructor(
    private readonly config: AppConfig,
    private readonly catalogue: MarketCatalogue,
    private readonly strategies: StrategiesRepository,
    private readonly signals: SignalsRepository,
    private readonly evaluator: StrategyEvaluator,
    private readonly predictions: PredictionCache,
    private readonly redis: RedisService,
  ) {}

  /** The default strategy exists from the first start on (idempotent across processes). */
  async onApplicationBootstrap(): Promise<void> {
    await this.strategies.ensure(
      'default',
      DEFAULT_STRATEGY,
      'Model prediction, 50-EMA trend, MACD turns and RSI extremes, weighed; backtests sized by predicted volatility',
    );
  }

  private definition(input: unknown): StrategyDefinition {
    try {
      return parseStrategyDefinition(input);
    } catch (error) {
      if (error instanceof StrategyDefinitionError) {
        throw new ValidationException(
          error.problems.map((p) => ({ field: `definition.${p.field}`, problem: p.problem })),
        );
      }
      throw error;
    }
  }

  private toDto(strategy: StrategyEntity): StrategyDto {
    return Object.assign(new StrategyDto(), {
      id: strategy.id,
      name: strategy.name,
      version: strategy.version,
      active: strategy.active,
      definition: strategy.definition,
      needsModel: needsModel(parseStrategyDefinition(strategy.definition)),
      description: strategy.description,
      createdAt: strategy.createdAt,
    });
  }

  private async strategy(idOrName: string): Promise<StrategyEntity> {
    if (!isUuid(idOrName) && !NAME.test(idOrName)) {
      throw new ValidationException([
        {
          field: 'strategy',
          problem: 'must be a strategy id (UUID) or name (lowercase letters, digits and "-")',
        },
      ]);
    }
    const found = isUuid(idOrName)
      ? await this.strategies.find(idOrName)
      : await this.strategies.findActiveByName(idOrName);
    if (!found) {
      throw new StrategyException('NOT_FOUND', `No strategy ${idOrName.slice(0, 80)}`);
    }
    return found;
  }

  async create(input: CreateStrategyDto): Promise<StrategyDto> {
    const definition = this.definition(input.definition);
    const created = await this.strategies.create({
      name: input.name,
      definition,
      description: input.description ?? null,
    });
    if (!created) {
      throw new StrategyException(
        'CONFLICT',
        `A strategy named ${input.name} exists; PUT /admin/strategies/{id} makes a new version`,
      );
    }
    await this.redis.publish(STRATEGIES_CHANGED, created.id);
    return this.toDto(created);
  }

  async update(id: string, input: UpdateStrategyDto): Promise<StrategyDto> {
    const definition = this.definition(input.definition);
    assertUuid(id, 'id');
    const version = await this.strategies.newVersion(id, definition, input.description);
    if (!version) {
      throw new StrategyException('NOT_FOUND', `No strategy ${id}`);
    }
    await this.redis.publish(STRATEGIES_CHANGED, version.id);
    return this.toDto(version);
  }

  async list(): Promise<StrategyDto[]> {
    return (await this.strategies.list()).map((strategy) => this.toDto(strategy));
  }

  async get(idOrName: string): Promise<StrategyDto> {
    return this.toDto(await this.strategy(idOrName));
  }

  private market(symbolInput: string, intervalInput?: string) {
    const symbol = this.catalogue.resolveSymbol(symbolInput);
    const interval = this.catalogue.resolveInterval(
      intervalInput ?? this.config.get('PREDICT_INTERVAL'),
    );
    return {
      symbol,
      market: { exchange: this.catalogue.exchange, symbol: this.catalogue.pair(symbol), interval },
    };
  }

  /** The latest decision of each strategy (or one) for a market. */
  async latest(symbolInput: string, query: SignalsQueryDto): Promise<SignalDto[]> {
    const { symbol, market } = this.market(symbolInput, query.interval);
    const strategyId = query.strategy ? (await this.strategy(query.strategy)).id : undefined;
    return (await this.signals.latest(market, strategyId)).map((row) => signalDto(symbol, row));
  }

  async history(symbolInput: string, query: SignalHistoryQueryDto): Promise<SignalDto[]> {
    const { symbol, market } = this.market(symbolInput, query.interval);
    const from = query.from === undefined ? 0 : parseTime(query.from, 'from');
    const to = query.to === undefined ? MAX_TIME_MS : parseTime(query.to, 'to');
    if (from > to) {
      throw new ValidationException([{ field: 'from', problem: 'must not be after to' }]);
    }
    const strategyId = query.strategy ? (await this.strategy(query.strategy)).id : undefined;
    const rows = await this.signals.history({
      market,
      strategyId,
      from,
      to,
      action: query.action,
      limit: query.limit ?? 100,
    });
    return rows.map((row) => signalDto(symbol, row));
  }

  /** Runs a strategy on the latest data without writing a signal. */
  async evaluate(idOrName: string, input: EvaluateStrategyDto): Promise<SignalDto> {
    const strategy = await this.strategy(idOrName);
    const definition = parseStrategyDefinition(strategy.definition);
    const { symbol, market } = this.market(input.symbol, input.interval);
    const cached = needsModel(definition) ? await this.predictions.read(market) : undefined;
    const evaluation = await this.evaluator.evaluate({
      definition,
      market,
      symbol,
      prediction: cached ? predictionInput(cached) : null,
    });
    if (!evaluation) {
      throw new StrategyException(
        'SERVICE_UNAVAILABLE',
        `No candles stored for ${symbol} ${market.interval} yet`,
      );
    }
    const usedPrediction = cached && cached.openTime === evaluation.openTime ? cached : undefined;
    return Object.assign(new SignalDto(), {
      symbol,
      pair: market.symbol,
      interval: market.interval,
      strategyId: strategy.id,
      strategyName: strategy.name,
      strategyVersion: strategy.version,
      openTime: new Date(evaluation.openTime),
      action: evaluation.decision.action,
      score: evaluation.decision.score,
      confidence: evaluation.decision.confidence,
      close: evaluation.close,
      reasons: evaluation.decision.fired,
      prediction: usedPrediction
        ? {
            modelVersionId: usedPrediction.modelVersionId,
            predictedReturn: usedPrediction.predictedReturn,
            probabilityUp: usedPrediction.probabilityUp,
          }
        : null,
      modelVersionId: usedPrediction?.modelVersionId ?? null,
      createdAt: null,
    });
  }
}

/** A stored signal as clients see it (REST, GraphQL, webhooks, subscriptions). */
export function signalDto(symbol: string, row: SignalRow): SignalDto {
  return Object.assign(new SignalDto(), {
    symbol,
    pair: row.market.symbol,
    interval: row.market.interval,
    strategyId: row.strategyId,
    strategyName: row.strategyName,
    strategyVersion: row.strategyVersion,
    openTime: new Date(row.openTime),
    action: row.action,
    score: row.score,
    confidence: row.confidence,
    close: row.close,
    reasons: row.reasons,
    prediction: row.prediction,
    modelVersionId: row.modelVersionId,
    createdAt: new Date(row.createdAt),
    lateMs: row.lateMs,
  });
}
