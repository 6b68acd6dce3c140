import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { MarketKey } from '../market-data/candle';
import type { Action, FiredRule } from './engine/rule-evaluation';
import type { SignalPrediction } from './signal.entity';

export interface SignalRow {
  strategyId: string;
  strategyName: string;
  strategyVersion: number;
  market: MarketKey;
  openTime: number;
  action: string;
  score: number;
  confidence: number;
  reasons: FiredRule[];
  prediction: SignalPrediction | null;
  modelVersionId: string | null;
  close: number;
  /** How long after the candle's close a late decision was taken (catch-up); null when on time. */
  lateMs: number | null;
  createdAt: number;
}

const COLUMNS = `s.strategy_id, st.name AS strategy_name, st.version AS strategy_version, s.exchange, s.symbol,
  s.interval, (extract(epoch FROM s.open_time) * 1000)::bigint AS open_time_ms, s.action, s.score, s.confidence,
  s.reasons, s.prediction, s.model_version_id, s.close, s.late_ms, (extract(epoch FROM s.created_at) * 1000)::bigint AS created_ms`;
const FROM = `FROM signals s JOIN strategies st ON st.id = s.strategy_id`;

interface Row {
  strategy_id: string;
  strategy_name: string;
  strategy_version: number;
  exchange: string;
  symbol: string;
  interval: string;
  open_time_ms: string;
  action: string;
  score: number;
  confidence: number;
  reasons: FiredRule[];
  prediction: SignalPrediction | null;
  model_version_id: string | null;
  close: number;
  late_ms: string | null;
  created_ms: string;
}

function rowOf(row: Row): SignalRow {
  return {
    strategyId: row.strategy_id,
    strategyName: row.strategy_name,
    strategyVersion: row.strategy_version,
    market: { exchange: row.exchange, symbol: row.symbol, interval: row.interval },
    openTime: Number(row.open_time_ms),
    action: row.action,
    score: row.score,
    confidence: row.confidence,
    reasons: row.reasons,
    prediction: row.prediction,
    modelVersionId: row.model_version_id,
    close: row.close,
    lateMs: row.late_ms === null ? null : Number(row.late_ms),
    createdAt: Number(row.created_ms),
  };
}

/** Signals: one per strategy version, market and candle. */
@Injectable()
export class SignalsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Stores a signal unless that strategy already decided on that candle; returns whether it did. */
  async insert(
    row: Omit<SignalRow, 'strategyName' | 'strategyVersion' | 'createdAt' | 'lateMs'> & {
      lateMs?: number | null;
    },
  ): Promise<boolean> {
    const result: unknown[] = await this.dataSource.query(
      `INSERT INTO signals (strategy_id, exchange, symbol, interval, open_time, action, score, confidence, reasons,
         prediction, model_version_id, close, late_ms)
       VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0), $6, $7, $8, $9::jsonb, $10::jsonb, $11, $12, $13)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [
        row.strategyId,
        row.market.exchange,
        row.market.symbol,
        row.market.interval,
        row.openTime,
        row.action,
        row.score,
        row.confidence,
        JSON.stringify(row.reasons),
        row.prediction === null ? null : JSON.stringify(row.prediction),
        row.modelVersionId,
        row.close,
        row.lateMs ?? null,
      ],
    );
    return result.length > 0;
  }

  /** The signal of a strategy version for a market and candle, if it decided. */
  async at(
    strategyId: string,
    market: MarketKey,
    openTime: number,
  ): Promise<SignalRow | undefined> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${COLUMNS} ${FROM}
        WHERE s.strategy_id = $1 AND s.exchange = $2 AND s.symbol = $3 AND s.interval = $4
          AND s.open_time = to_timestamp($5 / 1000.0)`,
      [strategyId, market.exchange, market.symbol, market.interval, openTime],
    );
    return rows[0] && rowOf(rows[0]);
  }

  /** Each given strategy's newest decided candle (open time, epoch ms) on a market, in one read. */
  async newestDecisions(strategyIds: string[], market: MarketKey): Promise<Map<string, number>> {
    const rows: { strategy_id: string; last_ms: string }[] = await this.dataSource.query(
      `SELECT strategy_id, (extract(epoch FROM max(open_time)) * 1000)::bigint AS last_ms FROM signals
        WHERE strategy_id = ANY($1) AND exchange = $2 AND symbol = $3 AND interval = $4
        GROUP BY strategy_id`,
      [strategyIds, market.exchange, market.symbol, market.interval],
    );
    return new Map(rows.map((row) => [row.strategy_id, Number(row.last_ms)]));
  }

  /**
   * The actions these strategy versions decided on a market at candles in [from, to] (epoch ms);
   * `late` when taken by catch-up rather than at the close.
   */
  async decisionsBetween(params: {
    strategyIds: readonly string[];
    market: MarketKey;
    from: number;
    to: number;
  }): Promise<{ strategyId: string; openTime: number; action: Action; late: boolean }[]> {
    const { market } = params;
    const rows: { strategy_id: string; open_ms: string; action: Action; late_ms: string | null }[] =
      await this.dataSource.query(
        `SELECT strategy_id, (extract(epoch FROM open_time) * 1000)::bigint AS open_ms, action, late_ms
           FROM signals
          WHERE strategy_id = ANY($1) AND exchange = $2 AND symbol = $3 AND interval = $4
            AND open_time >= to_timestamp($5 / 1000.0) AND open_time <= to_timestamp($6 / 1000.0)`,
        [
          params.strategyIds,
          market.exchange,
          market.symbol,
          market.interval,
          params.from,
          params.to,
        ],
      );
    return rows.map((row) => ({
      strategyId: row.strategy_id,
      openTime: Number(row.open_ms),
      action: row.action,
      late: row.late_ms !== null,
    }));
  }

  /** Signals stored since `since` (epoch ms), oldest first. */
  async createdSince(since: number, limit: number): Promise<SignalRow[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${COLUMNS} ${FROM} WHERE s.created_at >= to_timestamp($1 / 1000.0)
       ORDER BY s.created_at LIMIT $2`,
      [since, limit],
    );
    return rows.map(rowOf);
  }

  /**
   * The newest signal of each active strategy for a market, or of the one strategy named (an
   * earlier, inactive version included: asked for by id, it is what the caller wants).
   */
  async latest(market: MarketKey, strategyId?: string): Promise<SignalRow[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT DISTINCT ON (s.strategy_id) ${COLUMNS} ${FROM}
        WHERE s.exchange = $1 AND s.symbol = $2 AND s.interval = $3
          AND (($4::uuid IS NULL AND st.active) OR s.strategy_id = $4)
        ORDER BY s.strategy_id, s.open_time DESC`,
      [market.exchange, market.symbol, market.interval, strategyId ?? null],
    );
    return rows.map(rowOf);
  }

  async history(params: {
    market: MarketKey;
    strategyId?: string;
    from: number;
    to: number;
    action?: string;
    limit: number;
  }): Promise<SignalRow[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT ${COLUMNS} ${FROM} WHERE s.exchange = $1 AND s.symbol = $2 AND s.interval = $3
         AND s.open_time >= to_timestamp($4 / 1000.0) AND s.open_time <= to_timestamp($5 / 1000.0)
         AND ($6::uuid IS NULL OR s.strategy_id = $6) AND ($7::varchar IS NULL OR s.action = $7)
       ORDER BY s.open_time DESC, st.name LIMIT $8`,
      [
        params.market.exchange,
        params.market.symbol,
        params.market.interval,
        params.from,
        params.to,
        params.strategyId ?? null,
        params.action ?? null,
        params.limit,
      ],
    );
    return rows.map(rowOf);
  }
}
