import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BacktestEntity } from './backtest.entity';

/** A backtest as listed: what it ran and how it ended, without its curves and trades. */
export interface BacktestSummaryRow {
  id: string;
  strategyId: string;
  /** Null when the strategy version is gone. */
  strategyName: string | null;
  strategyVersion: number | null;
  /** Exchange pair, `BTCUSDT`. */
  symbol: string;
  interval: string;
  fromTime: Date;
  toTime: Date;
  status: string;
  jobId: string | null;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  tradeCount: number | null;
  totalReturn: number | null;
  buyAndHoldReturn: number | null;
}

interface SummarySqlRow {
  id: string;
  strategy_id: string;
  strategy_name: string | null;
  strategy_version: number | null;
  symbol: string;
  interval: string;
  from_time: Date;
  to_time: Date;
  status: string;
  job_id: string | null;
  error: string | null;
  created_at: Date;
  finished_at: Date | null;
  trade_count: number | null;
  total_return: number | null;
  buy_and_hold_return: number | null;
}

/** Backtest requests and their results in PostgreSQL. */
@Injectable()
export class BacktestsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get repo() {
    return this.dataSource.getRepository(BacktestEntity);
  }

  create(
    fields: Pick<
      BacktestEntity,
      'strategyId' | 'exchange' | 'symbol' | 'interval' | 'fromTime' | 'toTime' | 'params'
    >,
  ): Promise<BacktestEntity> {
    return this.repo.save(this.repo.create({ ...fields, status: 'queued' }));
  }

  async setJobId(id: string, jobId: string): Promise<void> {
    await this.repo.update({ id }, { jobId });
  }

  find(id: string): Promise<BacktestEntity | null> {
    return this.repo.findOne({ where: { id } });
  }

  async markRunning(id: string): Promise<void> {
    await this.repo.update({ id }, { status: 'running', error: null });
  }

  async complete(
    id: string,
    outcome: Pick<BacktestEntity, 'result' | 'trades' | 'equity'>,
  ): Promise<void> {
    await this.repo.update(
      { id },
      {
        status: 'completed',
        result: outcome.result,
        trades: outcome.trades,
        equity: outcome.equity,
        finishedAt: new Date(),
      },
    );
  }

  async fail(id: string, message: string): Promise<void> {
    await this.repo.update({ id }, { status: 'failed', error: message, finishedAt: new Date() });
  }

  /**
   * Backtests newest first (created before `before` when given, for the next page), of one
   * strategy version and one pair when given; metrics read out of the stored result.
   */
  async list(params: {
    strategyId?: string;
    pair?: string;
    before?: number;
    limit: number;
  }): Promise<BacktestSummaryRow[]> {
    const rows: SummarySqlRow[] = await this.dataSource.query(
      `SELECT b.id, b.strategy_id, s.name AS strategy_name, s.version AS strategy_version,
              b.symbol, b.interval, b.from_time, b.to_time, b.status, b.job_id, b.error,
              b.created_at, b.finished_at,
              CASE WHEN jsonb_typeof(b.trades) = 'array' THEN jsonb_array_length(b.trades) END
                AS trade_count,
              (b.result -> 'strategy' ->> 'totalReturn')::float8 AS total_return,
              (b.result -> 'buyAndHold' ->> 'totalReturn')::float8 AS buy_and_hold_return
         FROM backtests b
         LEFT JOIN strategies s ON s.id = b.strategy_id
        WHERE ($1::uuid IS NULL OR b.strategy_id = $1::uuid)
          AND ($2::varchar IS NULL OR b.symbol = $2::varchar)
          AND ($3::timestamptz IS NULL OR b.created_at < $3::timestamptz)
        ORDER BY b.created_at DESC, b.id DESC
        LIMIT $4`,
      [
        params.strategyId ?? null,
        params.pair ?? null,
        params.before === undefined ? null : new Date(params.before).toISOString(),
        params.limit,
      ],
    );
    return rows.map((row) => ({
      id: row.id,
      strategyId: row.strategy_id,
      strategyName: row.strategy_name,
      strategyVersion: row.strategy_version,
      symbol: row.symbol,
      interval: row.interval,
      fromTime: row.from_time,
      toTime: row.to_time,
      status: row.status,
      jobId: row.job_id,
      error: row.error,
      createdAt: row.created_at,
      finishedAt: row.finished_at,
      tradeCount: row.trade_count,
      totalReturn: row.total_return,
      buyAndHoldReturn: row.buy_and_hold_return,
    }));
  }
}
