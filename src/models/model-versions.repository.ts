import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { lockUntilCommit } from '../database/data-source';
import type { MarketKey } from '../market-data/candle';
import type { ModelArtifact } from './engine/model-artifact';
import type { ModelKind } from './engine/model-kind';
import { ModelArtifactEntity } from './model-artifact.entity';
import {
  ModelVersionEntity,
  type ModelStatus,
  type ModelVersionMetrics,
  type ModelVersionParams,
  type VersusProduction,
} from './model-version.entity';

/** The model registry in PostgreSQL: versions, their artifacts, and the production pointer. */
@Injectable()
export class ModelVersionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The `training` row of a job: created on the first attempt, reused by a retry after a crash
   * (whatever the crashed attempt wrote is not usable: only `complete` makes a version usable).
   */
  async startTraining(params: {
    market: MarketKey;
    kind: ModelKind;
    params: ModelVersionParams;
    features: string[];
    jobId: string;
  }): Promise<ModelVersionEntity> {
    const versions = this.dataSource.getRepository(ModelVersionEntity);
    const existing = await versions.findOne({ where: { jobId: params.jobId, status: 'training' } });
    if (existing) {
      Object.assign(existing, {
        kind: params.kind,
        params: params.params,
        features: params.features,
        error: null,
      });
      return versions.save(existing);
    }
    return versions.save(
      versions.create({
        ...params.market,
        kind: params.kind,
        status: 'training',
        params: params.params,
        features: params.features,
        jobId: params.jobId,
      }),
    );
  }

  /** Artifact and `candidate` status in one transaction: a version is never usable half-written. */
  async complete(params: {
    id: string;
    artifact: ModelArtifact;
    metrics: ModelVersionMetrics;
    backend: string;
    dataFrom: Date;
    dataTo: Date;
  }): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(ModelArtifactEntity).save({
        modelVersionId: params.id,
        manifest: params.artifact.manifest,
        weightData: params.artifact.weightData,
      });
      const completed: Partial<ModelVersionEntity> = {
        status: 'candidate',
        metrics: params.metrics,
        backend: params.backend,
        dataFrom: params.dataFrom,
        dataTo: params.dataTo,
        trainedAt: new Date(),
      };
      const result = await manager
        .getRepository(ModelVersionEntity)
        .update({ id: params.id, status: 'training' }, completed);
      if (result.affected !== 1) {
        throw new Error(
          `Model version ${params.id} is no longer training; its artifact is not kept`,
        );
      }
    });
  }

  /** Fails the versions a training job left in `training` (the job is gone); how many. */
  async failForJob(jobId: string, error: string): Promise<number> {
    const result = await this.dataSource
      .getRepository(ModelVersionEntity)
      .update({ jobId, status: 'training' }, { status: 'failed', error: error.slice(0, 2000) });
    return result.affected ?? 0;
  }

  async fail(id: string, error: string): Promise<void> {
    await this.dataSource
      .getRepository(ModelVersionEntity)
      .update({ id, status: 'training' }, { status: 'failed', error: error.slice(0, 2000) });
  }

  /**
   * Makes `id` the production model of its market; the previous one is retired. Promotions of
   * one market take turns (a transaction-scoped advisory lock on the market): two at once would
   * each retire only the production row they saw and then both claim production.
   */
  async promote(id: string): Promise<ModelVersionEntity> {
    return this.dataSource.transaction(async (manager) => {
      const versions = manager.getRepository(ModelVersionEntity);
      const found = await versions.findOneOrFail({ where: { id } });
      await lockUntilCommit(
        manager,
        `model_versions:${found.exchange}:${found.symbol}:${found.interval}`,
      );
      const version = await versions.findOneOrFail({
        where: { id },
        lock: { mode: 'pessimistic_write' },
      });
      await this.retireProduction(manager, version);
      version.status = 'production';
      version.promotedAt = new Date();
      version.retiredAt = null;
      return versions.save(version);
    });
  }

  /** Retires `id` if it still has status `from`; null when it has moved on meanwhile. */
  async retire(id: string, from: ModelStatus): Promise<ModelVersionEntity | null> {
    const versions = this.dataSource.getRepository(ModelVersionEntity);
    const result = await versions.update(
      { id, status: from },
      { status: 'retired', retiredAt: new Date() },
    );
    return result.affected === 1 ? versions.findOneBy({ id }) : null;
  }

  private async retireProduction(manager: EntityManager, market: MarketKey): Promise<void> {
    await manager.getRepository(ModelVersionEntity).update(
      {
        exchange: market.exchange,
        symbol: market.symbol,
        interval: market.interval,
        status: 'production',
      },
      { status: 'retired', retiredAt: new Date() },
    );
  }

  /** Adds the comparison with the production model to a version's metrics, after training. */
  async addVersusProduction(id: string, versusProduction: VersusProduction): Promise<void> {
    await this.dataSource.query(
      `UPDATE model_versions SET metrics = COALESCE(metrics, '{}'::jsonb) || $2::jsonb WHERE id = $1`,
      [id, JSON.stringify({ versusProduction })],
    );
  }

  async find(id: string): Promise<ModelVersionEntity | null> {
    return this.dataSource.getRepository(ModelVersionEntity).findOne({ where: { id } });
  }

  async production(market: MarketKey): Promise<ModelVersionEntity | null> {
    return this.dataSource
      .getRepository(ModelVersionEntity)
      .findOne({ where: { ...market, status: 'production' } });
  }

  /** Every market's production version (at most one per market). */
  async allProduction(): Promise<ModelVersionEntity[]> {
    return this.dataSource
      .getRepository(ModelVersionEntity)
      .find({ where: { status: 'production' } });
  }

  /** The newest version of a market in one of `statuses`. */
  async latest(market: MarketKey, statuses: ModelStatus[]): Promise<ModelVersionEntity | null> {
    return this.dataSource
      .getRepository(ModelVersionEntity)
      .createQueryBuilder('version')
      .where(
        'version.exchange = :exchange AND version.symbol = :symbol AND version.interval = :interval',
        market,
      )
      .andWhere('version.status IN (:...statuses)', { statuses })
      .orderBy('version.created_at', 'DESC')
      .getOne();
  }

  async list(params: {
    exchange: string;
    symbol?: string;
    interval?: string;
    status?: ModelStatus;
    limit: number;
  }): Promise<ModelVersionEntity[]> {
    const query = this.dataSource
      .getRepository(ModelVersionEntity)
      .createQueryBuilder('version')
      .where('version.exchange = :exchange', { exchange: params.exchange })
      .orderBy('version.created_at', 'DESC')
      .limit(params.limit);
    if (params.symbol) {
      query.andWhere('version.symbol = :symbol', { symbol: params.symbol });
    }
    if (params.interval) {
      query.andWhere('version.interval = :interval', { interval: params.interval });
    }
    if (params.status) {
      query.andWhere('version.status = :status', { status: params.status });
    }
    return query.getMany();
  }

  async artifact(id: string): Promise<ModelArtifact | null> {
    const row = await this.dataSource
      .getRepository(ModelArtifactEntity)
      .findOne({ where: { modelVersionId: id } });
    return row ? { manifest: row.manifest, weightData: row.weightData } : null;
  }
}
