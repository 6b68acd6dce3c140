import { Injectable } from '@nestjs/common';
import { AppException, ValidationException, type FieldProblem } from '../common/app.exception';
import { assertUuid } from '../common/uuid.pipe';
import { AppConfig } from '../config/app-config';
import { parseDuration } from '../config/config.schema';
import { MarketCatalogue } from '../market-data/market-catalogue';
import type { EnqueuedJobDto } from '../queue/dto/job.dto';
import { JobsService } from '../queue/jobs.service';
import { JOBS, JobName } from '../queue/queue.catalogue';
import { QueueService } from '../queue/queue.service';
import { RedisService } from '../redis/redis.service';
import { FeatureListError } from './engine/feature-spec';
import { ModelParamsError, resolveModelParams } from './engine/model-params';
import { cancelKey } from './jobs/train-model.processor';
import { PredictionCache, type CachedPrediction } from './live/prediction.cache';
import { MODEL_PROMOTED, MODEL_RETIRED, type ModelPromotedEvent } from './model-events';
import { ModelInputs } from './model-inputs';
import { ModelVersionEntity, type ModelStatus } from './model-version.entity';
import { ModelVersionsRepository } from './model-versions.repository';
import {
  HorizonForecastDto,
  ModelDto,
  PredictionDto,
  type ModelsQueryDto,
  type TrainModelDto,
} from './dto/models.dto';

class ModelsException extends AppException {}

/** The field problems a check of the request finds (parameters, inputs); none when it passes. */
function problemsOf(check: () => unknown): FieldProblem[] {
  try {
    check();
    return [];
  } catch (error) {
    if (error instanceof ModelParamsError || error instanceof FeatureListError) {
      return error.problems;
    }
    throw error;
  }
}

/** Models as admins and clients see them: training requests, the registry, promotion, predictions. */
@Injectable()
export class ModelsService {
  private readonly servedJson = new WeakMap<CachedPrediction, { json: string; until: number }>();
  private modelMaxAgeMs?: number;

  constructor(
    private readonly config: AppConfig,
    private readonly catalogue: MarketCatalogue,
    private readonly versions: ModelVersionsRepository,
    private readonly cache: PredictionCache,
    private readonly queues: QueueService,
    private readonly jobs: JobsService,
    private readonly redis: RedisService,
    private readonly inputs: ModelInputs,
  ) {}

  private toDto(version: ModelVersionEntity): ModelDto {
    const base =
      this.catalogue.bases.find((symbol) => this.catalogue.pair(symbol) === version.symbol) ??
      version.symbol;
    return Object.assign(new ModelDto(), {
      id: version.id,
      symbol: base,
      pair: version.symbol,
      interval: version.interval,
      kind: version.kind,
      status: version.status,
      params: version.params,
      features: version.features,
      dataFrom: version.dataFrom,
      dataTo: version.dataTo,
      metrics: version.metrics,
      backend: version.backend,
      jobId: version.jobId,
      error: version.error,
      createdAt: version.createdAt,
      trainedAt: version.trainedAt,
      promotedAt: version.promotedAt,
      retiredAt: version.retiredAt,
    });
  }

  private resolveInterval(input: string | undefined): string {
    return this.catalogue.resolveInterval(input ?? this.config.get('PREDICT_INTERVAL'));
  }

  async train(input: TrainModelDto): Promise<EnqueuedJobDto> {
    const symbol = this.catalogue.resolveSymbol(input.symbol);
    const interval = this.resolveInterval(input.interval);
    let features: string[] | undefined;
    const problems = [
      ...problemsOf(() => resolveModelParams(input.params)),
      ...problemsOf(() => {
        features = input.features && this.inputs.resolveFeatures(symbol, input.features);
      }),
    ];
    if (problems.length) {
      throw new ValidationException(problems);
    }
    const jobId = await this.queues.enqueue({
      name: JobName.TrainModel,
      payload: {
        symbol,
        interval,
        kind: input.kind,
        features,
        params: input.params,
        reason: 'admin',
      },
      exclusiveKey: `admin-${this.catalogue.pair(symbol)}-${interval}`,
    });
    return { jobId };
  }

  /** Asks the worker running a training job to stop after the current batch (and drops a waiting one). */
  async cancelTraining(jobId: string): Promise<{ jobId: string; state: string }> {
    const job = await this.jobs.get(jobId);
    if (job.name !== JobName.TrainModel) {
      throw new ModelsException('VALIDATION_FAILED', `Job ${jobId} is not a training job`, [
        { field: 'jobId', problem: 'is not a train-model job' },
      ]);
    }
    if (job.state === 'completed' || job.state === 'failed') {
      throw new ModelsException('CONFLICT', `Job ${jobId} already ${job.state}`);
    }
    await this.redis.client.set(cancelKey(this.config, jobId), '1', 'EX', 86_400);
    if (job.state === 'waiting' || job.state === 'delayed' || job.state === 'prioritized') {
      await this.queues.queue(JOBS[JobName.TrainModel].queue).remove(jobId);
      // A job put back to waiting after its worker died already has its version row.
      await this.versions.failForJob(jobId, 'cancelled by an admin before it ran again');
      return { jobId, state: 'removed' };
    }
    return { jobId, state: 'cancelling' };
  }

  async list(query: ModelsQueryDto): Promise<ModelDto[]> {
    const versions = await this.versions.list({
      ...this.catalogue.marketFilter(query),
      status: query.status as ModelStatus | undefined,
      limit: query.limit ?? 50,
    });
    return versions.map((version) => this.toDto(version));
  }

  private async version(id: string): Promise<ModelVersionEntity> {
    assertUuid(id, 'id');
    const version = await this.versions.find(id);
    if (!version) {
      throw new ModelsException('NOT_FOUND', `No model version ${id}`);
    }
    return version;
  }

  async get(id: string): Promise<ModelDto> {
    return this.toDto(await this.version(id));
  }

  /** Makes a candidate (or an earlier, retired version: a rollback) the production model of its market. */
  async promote(id: string): Promise<ModelDto> {
    const version = await this.version(id);
    if (version.status !== 'candidate' && version.status !== 'retired') {
      throw new ModelsException(
        'CONFLICT',
        `Model ${id} is ${version.status}; only candidates and retired versions can be promoted`,
      );
    }
    if (!version.trainedAt) {
      throw new ModelsException(
        'CONFLICT',
        `Model ${id} never finished training (it has no stored model); it cannot be promoted`,
      );
    }
    const promoted = await this.versions.promote(id);
    await this.announce(MODEL_PROMOTED, version);
    return this.toDto(promoted);
  }

  /** Tells every worker that the production model of `version`'s market changed. */
  private async announce(
    channel: typeof MODEL_PROMOTED | typeof MODEL_RETIRED,
    version: ModelVersionEntity,
  ): Promise<void> {
    const event: ModelPromotedEvent = {
      exchange: version.exchange,
      symbol: version.symbol,
      interval: version.interval,
      modelVersionId: version.id,
    };
    await this.redis.publish(channel, JSON.stringify(event));
  }

  /** Retires a candidate or the production model (the market then has none until a promotion). */
  async retire(id: string): Promise<ModelDto> {
    const version = await this.version(id);
    if (version.status !== 'candidate' && version.status !== 'production') {
      throw new ModelsException(
        'CONFLICT',
        version.status === 'training'
          ? `Model ${id} is still training; cancel its job instead`
          : `Model ${id} is ${version.status}; only candidates and the production model can be retired`,
      );
    }
    const retired = await this.versions.retire(id, version.status);
    if (!retired) {
      throw new ModelsException(
        'CONFLICT',
        `Model ${id} changed status while it was being retired; read it again and retry`,
      );
    }
    if (version.status === 'production') {
      await this.cache.clear(version);
      await this.announce(MODEL_RETIRED, version);
    }
    return this.toDto(retired);
  }

  /** The latest prediction from the cache; 503 with the reason when there is none. */
  async prediction(symbolInput: string, intervalInput?: string): Promise<PredictionDto> {
    return predictionDto(await this.latest(symbolInput, intervalInput), this.maxAgeMs());
  }

  /**
   * `GET /predict/:symbol`'s body as JSON, serialized once per cached prediction and again only
   * when its `stale` flag turns (the in-process mirror hands out the same object until the next
   * prediction arrives).
   */
  async predictionJson(symbolInput: string, intervalInput?: string): Promise<string> {
    const cached = await this.latest(symbolInput, intervalInput);
    let served = this.servedJson.get(cached);
    if (!served || Date.now() >= served.until) {
      const maxAgeMs = this.maxAgeMs();
      const dto = predictionDto(cached, maxAgeMs);
      served = {
        json: JSON.stringify(dto),
        until: !dto.model || dto.model.stale ? Infinity : (cached.trainedAt ?? 0) + maxAgeMs + 1,
      };
      this.servedJson.set(cached, served);
    }
    return served.json;
  }

  private maxAgeMs(): number {
    return (this.modelMaxAgeMs ??= parseDuration(this.config.get('MODEL_MAX_AGE')));
  }

  private async latest(symbolInput: string, intervalInput?: string): Promise<CachedPrediction> {
    const symbol = this.catalogue.resolveSymbol(symbolInput);
    const interval = this.resolveInterval(intervalInput);
    const market = {
      exchange: this.catalogue.exchange,
      symbol: this.catalogue.pair(symbol),
      interval,
    };
    const cached = await this.cache.read(market);
    if (!cached) {
      throw new ModelsException('SERVICE_UNAVAILABLE', await this.whyNoPrediction(market, symbol));
    }
    return cached;
  }

  private async whyNoPrediction(
    market: { exchange: string; symbol: string; interval: string },
    symbol: string,
  ): Promise<string> {
    const configured = (this.config.get('MODEL_INTERVALS') as readonly string[]).includes(
      market.interval,
    );
    if (!configured) {
      return `${symbol} ${market.interval} has no model: MODEL_INTERVALS is ${this.config.get('MODEL_INTERVALS').join(',')}`;
    }
    const production = await this.versions.production(market);
    if (production) {
      return `Production model ${production.id} for ${symbol} ${market.interval} has not made a prediction yet (it does on the next closed candle)`;
    }
    const training = await this.versions.latest(market, ['training']);
    if (training?.jobId) {
      const job = await this.jobs.get(training.jobId).catch(() => undefined);
      const progress = job?.progress as
        { percent?: number; epoch?: number; epochs?: number } | undefined;
      return `No production model for ${symbol} ${market.interval} yet: training job ${training.jobId} is ${job?.state ?? 'running'}${
        progress?.epoch
          ? ` (epoch ${progress.epoch}/${progress.epochs}, ${progress.percent ?? 0}%)`
          : ''
      }`;
    }
    const candidate = await this.versions.latest(market, ['candidate']);
    if (candidate) {
      return `No production model for ${symbol} ${market.interval}: candidate ${candidate.id} did not beat persistence; an admin can promote it (POST /admin/models/${candidate.id}/promote)`;
    }
    return `No model for ${symbol} ${market.interval} yet: one is trained once the market has enough candles (POST /admin/models/train to start one)`;
  }
}

/** A cached prediction as clients see it (REST, GraphQL, webhooks, subscriptions). */
export function predictionDto(cached: CachedPrediction, maxAgeMs: number): PredictionDto {
  return Object.assign(new PredictionDto(), {
    symbol: cached.symbol,
    pair: cached.pair,
    interval: cached.interval,
    kind: cached.kind,
    openTime: new Date(cached.openTime),
    targetTime: new Date(cached.targetTime),
    horizon: cached.horizon,
    lastClose: cached.lastClose,
    predictedClose: cached.predictedClose,
    predictedReturn: cached.predictedReturn,
    probabilityUp: cached.probabilityUp,
    horizons: cached.horizons.map((horizon) =>
      Object.assign(new HorizonForecastDto(), {
        ...horizon,
        targetTime: new Date(horizon.targetTime),
      }),
    ),
    model:
      cached.modelVersionId === null
        ? null
        : {
            versionId: cached.modelVersionId,
            trainedAt: cached.trainedAt === null ? null : new Date(cached.trainedAt),
            testMae: cached.testMae,
            testPersistenceMae: cached.testPersistenceMae,
            liveCount: cached.liveCount,
            liveMae: cached.liveMae,
            livePersistenceMae: cached.livePersistenceMae,
            beatsPersistence:
              cached.testMae !== null &&
              cached.testPersistenceMae !== null &&
              cached.testMae < cached.testPersistenceMae,
            stale: cached.trainedAt === null || Date.now() - cached.trainedAt > maxAgeMs,
          },
  });
}
