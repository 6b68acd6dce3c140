import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { MarketKey } from '../../market-data/candle';
import {
  ModelSearchEntity,
  ModelSearchTrialEntity,
  type SearchOutcome,
  type SearchRequest,
  type SearchStatus,
  type TrialMetrics,
} from './model-search.entity';

/** Searches and their trials in PostgreSQL. */
@Injectable()
export class ModelSearchesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A search and all its planned trials, in one transaction. */
  async create(params: {
    market: MarketKey;
    request: SearchRequest;
    dataFrom: Date;
    testFrom: Date;
    dataTo: Date;
    trials: { index: number; kind: string; params: Record<string, number> }[];
  }): Promise<ModelSearchEntity> {
    return this.dataSource.transaction(async (manager) => {
      const search = await manager.getRepository(ModelSearchEntity).save(
        manager.getRepository(ModelSearchEntity).create({
          ...params.market,
          status: 'running',
          request: params.request,
          dataFrom: params.dataFrom,
          testFrom: params.testFrom,
          dataTo: params.dataTo,
          trialsTotal: params.trials.length,
          trialsDone: 0,
        }),
      );
      await manager.getRepository(ModelSearchTrialEntity).insert(
        params.trials.map((trial) => ({
          searchId: search.id,
          index: trial.index,
          kind: trial.kind,
          params: trial.params,
          status: 'pending' as const,
        })),
      );
      return search;
    });
  }

  find(id: string): Promise<ModelSearchEntity | null> {
    return this.dataSource.getRepository(ModelSearchEntity).findOne({ where: { id } });
  }

  list(params: {
    exchange: string;
    symbol?: string;
    interval?: string;
    limit: number;
  }): Promise<ModelSearchEntity[]> {
    return this.dataSource.getRepository(ModelSearchEntity).find({
      where: {
        exchange: params.exchange,
        ...(params.symbol ? { symbol: params.symbol } : {}),
        ...(params.interval ? { interval: params.interval } : {}),
      },
      order: { createdAt: 'DESC' },
      take: params.limit,
    });
  }

  trials(searchId: string): Promise<ModelSearchTrialEntity[]> {
    return this.dataSource
      .getRepository(ModelSearchTrialEntity)
      .find({ where: { searchId }, order: { index: 'ASC' } });
  }

  trial(searchId: string, index: number): Promise<ModelSearchTrialEntity | null> {
    return this.dataSource
      .getRepository(ModelSearchTrialEntity)
      .findOne({ where: { searchId, index } });
  }

  /**
   * Records a trial's end once (a retried or duplicated job finds it finished and changes
   * nothing) and counts it; the number of trials finished after this one, or undefined when it
   * had already ended.
   */
  async finishTrial(params: {
    searchId: string;
    index: number;
    status: 'completed' | 'failed';
    score: number | null;
    metrics: TrialMetrics | null;
    seconds: number | null;
    error: string | null;
  }): Promise<{ done: number; total: number } | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const updated = await manager.query<[unknown[], number]>(
        `UPDATE model_search_trials
            SET status = $3, score = $4, metrics = $5, seconds = $6, error = $7, finished_at = now()
          WHERE search_id = $1 AND index = $2 AND status = 'pending'
          RETURNING index`,
        [
          params.searchId,
          params.index,
          params.status,
          params.score,
          params.metrics === null ? null : JSON.stringify(params.metrics),
          params.seconds,
          params.error,
        ],
      );
      if (!updated[1]) {
        return undefined;
      }
      // An UPDATE through TypeORM's query() answers [rows, row count].
      const [rows] = await manager.query<[{ trials_done: number; trials_total: number }[], number]>(
        `UPDATE model_searches SET trials_done = trials_done + 1
          WHERE id = $1 RETURNING trials_done, trials_total`,
        [params.searchId],
      );
      const row = rows[0];
      return row ? { done: row.trials_done, total: row.trials_total } : undefined;
    });
  }

  async setStatus(
    id: string,
    status: SearchStatus,
    changes: { best?: SearchOutcome; error?: string } = {},
  ): Promise<void> {
    await this.dataSource.query(
      `UPDATE model_searches
          SET status = $2::varchar,
              best = COALESCE($3::jsonb, best),
              error = COALESCE($4, error),
              finished_at = CASE WHEN $2::varchar IN ('completed', 'failed') THEN now() ELSE finished_at END
        WHERE id = $1`,
      [id, status, changes.best ? JSON.stringify(changes.best) : null, changes.error ?? null],
    );
  }
}
