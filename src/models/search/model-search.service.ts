import { randomInt } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppException, ValidationException } from '../../common/app.exception';
import { parseTime } from '../../common/time-param';
import { assertUuid } from '../../common/uuid.pipe';
import { AppConfig } from '../../config/app-config';
import { CandlesRepository } from '../../market-data/candles.repository';
import { MarketCatalogue } from '../../market-data/market-catalogue';
import { JobName } from '../../queue/queue.catalogue';
import { QueueService } from '../../queue/queue.service';
import { drawFeatureSets, planTrials } from '../engine/model-search';
import { SEARCH_LIMITS, SearchSpaceError, resolveSearchSpace } from '../engine/model-search-space';
import { ModelInputs } from '../model-inputs';
import { minimumCandles } from '../engine/training-pipeline';
import { readTrainingCandles } from '../training-window';
import {
  ModelSearchDto,
  SearchStartedDto,
  SearchTrialDto,
  type ModelSearchesQueryDto,
  type SearchModelsDto,
} from './dto/model-search.dto';
import type { ModelSearchEntity, ModelSearchTrialEntity } from './model-search.entity';
import { ModelSearchesRepository } from './model-searches.repository';

class ModelSearchException extends AppException {}

/**
 * Hyperparameter searches as admins see them: a request is checked, its trials planned (seeded,
 * so reproducible) and queued as jobs that any worker takes (see SearchRunner), and read back
 * with progress, every trial, and the best one's single evaluation on the test part.
 */
@Injectable()
export class ModelSearchService {
  constructor(
    private readonly config: AppConfig,
    private readonly catalogue: MarketCatalogue,
    private readonly candles: CandlesRepository,
    private readonly searches: ModelSearchesRepository,
    private readonly queues: QueueService,
    private readonly inputs: ModelInputs,
  ) {}

  async start(input: SearchModelsDto): Promise<SearchStartedDto> {
    const symbol = this.catalogue.resolveSymbol(input.symbol);
    const interval = this.catalogue.resolveInterval(
      input.interval ?? this.config.get('PREDICT_INTERVAL'),
    );
    let resolved: ReturnType<typeof resolveSearchSpace>;
    try {
      resolved = resolveSearchSpace({
        kinds: input.kinds,
        space: input.space,
        features: input.features,
        featureContext: this.inputs.context(symbol),
      });
    } catch (error) {
      if (error instanceof SearchSpaceError) {
        throw new ValidationException(error.problems);
      }
      throw error;
    }
    const request = {
      kinds: resolved.kinds,
      space: resolved.space as Record<string, Record<string, unknown>>,
      trials: input.trials ?? SEARCH_LIMITS.defaultTrials,
      folds: input.folds ?? SEARCH_LIMITS.defaultFolds,
      seed: input.seed ?? randomInt(2_147_483_647),
      horizons: this.config.forecastHorizons(interval, symbol),
      features: resolved.features,
    };
    const plans = planTrials({ ...resolved, trials: request.trials, seed: request.seed });
    const market = {
      exchange: this.catalogue.exchange,
      symbol: this.catalogue.pair(symbol),
      interval,
    };
    const candles = await readTrainingCandles({
      candles: this.candles,
      config: this.config,
      market,
    });
    const first = candles[0];
    const last = candles[candles.length - 1];
    const needed = Math.max(...plans.map((plan) => minimumCandles(plan.params, plan.features))) * 2;
    if (!first || !last || candles.length < needed) {
      throw new ModelSearchException(
        'CONFLICT',
        `${symbol} ${interval} has ${candles.length} candles in TRAINING_WINDOW; a search of these trials needs at least ${needed}`,
      );
    }
    const testFrom =
      input.testFrom === undefined
        ? candles[Math.floor(candles.length * 0.8)]!.openTime
        : parseTime(input.testFrom, 'testFrom');
    const trainingCount = candles.filter((candle) => candle.openTime < testFrom).length;
    if (testFrom > last.openTime || trainingCount < needed / 2) {
      throw new ValidationException([
        {
          field: 'testFrom',
          problem: `must leave at least ${Math.ceil(needed / 2)} candles before it and one after it (the candles run from ${new Date(first.openTime).toISOString()} to ${new Date(last.openTime).toISOString()})`,
        },
      ]);
    }
    const search = await this.searches.create({
      market,
      request,
      dataFrom: new Date(first.openTime),
      testFrom: new Date(testFrom),
      dataTo: new Date(last.openTime),
      trials: plans.map((plan) => ({
        index: plan.index,
        kind: plan.kind,
        params: { ...plan.params },
      })),
    });
    await this.queues.enqueueMany(
      JobName.SearchTrial,
      plans.map((plan) => ({
        key: `${search.id}-${plan.index}`,
        payload: { searchId: search.id, index: plan.index },
      })),
    );
    return Object.assign(new SearchStartedDto(), {
      searchId: search.id,
      trials: plans.length,
      testFrom: new Date(testFrom),
    });
  }

  async get(id: string): Promise<ModelSearchDto> {
    assertUuid(id, 'id');
    const search = await this.searches.find(id);
    if (!search) {
      throw new ModelSearchException('NOT_FOUND', `No model search ${id}`);
    }
    return this.toDto(search, await this.searches.trials(id));
  }

  async list(query: ModelSearchesQueryDto): Promise<ModelSearchDto[]> {
    const searches = await this.searches.list({
      ...this.catalogue.marketFilter(query),
      limit: query.limit ?? 20,
    });
    return Promise.all(
      searches.map(async (search) => this.toDto(search, await this.searches.trials(search.id))),
    );
  }

  private toDto(search: ModelSearchEntity, trials: ModelSearchTrialEntity[]): ModelSearchDto {
    return searchDto(search, trials, this.catalogue.baseOf(search.symbol));
  }
}

/** A search as clients (REST, GraphQL, the CLI's --json) see it. */
export function searchDto(
  search: Omit<ModelSearchEntity, 'id' | 'exchange'> & { id: string },
  trials: readonly Omit<ModelSearchTrialEntity, 'searchId' | 'finishedAt'>[],
  symbol: string,
): ModelSearchDto {
  // A trial's inputs are drawn from the stored request, like its parameters were.
  const features = drawFeatureSets({ ...search.request, trials: search.trialsTotal });
  return Object.assign(new ModelSearchDto(), {
    id: search.id,
    symbol,
    pair: search.symbol,
    interval: search.interval,
    status: search.status,
    request: search.request as unknown as Record<string, unknown>,
    dataFrom: search.dataFrom,
    testFrom: search.testFrom,
    dataTo: search.dataTo,
    trialsTotal: search.trialsTotal,
    trialsDone: search.trialsDone,
    percent: search.trialsTotal
      ? Math.round((search.trialsDone / search.trialsTotal) * 1000) / 10
      : 0,
    best: search.best as unknown as Record<string, unknown> | null,
    error: search.error,
    createdAt: search.createdAt,
    finishedAt: search.finishedAt,
    trials: trials.map((trial) =>
      Object.assign(new SearchTrialDto(), {
        index: trial.index,
        kind: trial.kind,
        params: trial.params,
        features: features[trial.index] ?? [],
        status: trial.status,
        score: trial.score,
        metrics: trial.metrics,
        seconds: trial.seconds,
        error: trial.error,
      }),
    ),
  });
}
