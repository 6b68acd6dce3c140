import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { MarketKey } from '../market-data/candle';
import type { HorizonForecast } from './engine/forecast-calibration';

export interface PredictionRow {
  modelVersionId: string;
  market: MarketKey;
  openTime: number;
  targetTime: number;
  horizon: number;
  lastClose: number;
  predictedClose: number;
  predictedReturn: number;
  probabilityUp: number;
  /** Every horizon of the forecast it belongs to. */
  horizons: HorizonForecast[];
}

/** A stored live prediction as backtests and strategies read it. */
export interface StoredPrediction {
  openTime: number;
  predictedReturn: number;
  probabilityUp: number;
  modelVersionId: string;
  /** When the model that made it was trained (null: its version is gone). */
  trainedAt: number | null;
  /**
   * Predicted volatility of the one-candle log return, as live decisions read it (the shortest
   * horizon's over the square root of its length); null for rows stored before horizons.
   */
  volatility: number | null;
}

export interface LiveAccuracy {
  count: number;
  mae: number | null;
  persistenceMae: number | null;
}

/** Predictions the live path made, and what really happened to them. */
@Injectable()
export class PredictionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Stores a prediction once per model version and candle; returns false if it was already there. */
  async insert(row: PredictionRow): Promise<boolean> {
    const result: unknown[] = await this.dataSource.query(
      `INSERT INTO predictions (model_version_id, open_time, exchange, symbol, interval, target_time, horizon,
         last_close, predicted_close, predicted_return, probability_up, horizons)
       VALUES ($1, to_timestamp($2 / 1000.0), $3, $4, $5, to_timestamp($6 / 1000.0), $7, $8, $9, $10, $11, $12)
       ON CONFLICT (model_version_id, open_time) DO NOTHING
       RETURNING 1`,
      [
        row.modelVersionId,
        row.openTime,
        row.market.exchange,
        row.market.symbol,
        row.market.interval,
        row.targetTime,
        row.horizon,
        row.lastClose,
        row.predictedClose,
        row.predictedReturn,
        row.probabilityUp,
        JSON.stringify(row.horizons),
      ],
    );
    return result.length > 0;
  }

  /** A candle closed: every prediction that targeted it learns its error. Returns how many. */
  async realise(market: MarketKey, openTime: number, close: number): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `UPDATE predictions SET actual_close = $5, abs_error = abs(predicted_close - $5),
              persistence_abs_error = abs(last_close - $5)
        WHERE exchange = $1 AND symbol = $2 AND interval = $3 AND target_time = to_timestamp($4 / 1000.0)
          AND actual_close IS NULL
       RETURNING 1`,
      [market.exchange, market.symbol, market.interval, openTime, close],
    );
    return rows.length;
  }

  /**
   * Live predictions of a market with candle time in [from, to], one per candle (the first one
   * made): out of sample by construction, for backtests.
   */
  async forRange(
    market: MarketKey,
    from: number,
    to: number,
  ): Promise<Map<number, StoredPrediction>> {
    const rows: {
      open_ms: string;
      predicted_return: number;
      probability_up: number;
      trained_ms: string | null;
      volatility: number | null;
      model_version_id: string;
    }[] = await this.dataSource.query(
      `SELECT DISTINCT ON (p.open_time) (extract(epoch FROM p.open_time) * 1000)::bigint AS open_ms,
              p.model_version_id, p.predicted_return, p.probability_up,
              (p.horizons->0->>'volatility')::float8 / sqrt((p.horizons->0->>'horizon')::float8) AS volatility,
              (extract(epoch FROM mv.trained_at) * 1000)::bigint AS trained_ms
         FROM predictions p LEFT JOIN model_versions mv ON mv.id = p.model_version_id
        WHERE p.exchange = $1 AND p.symbol = $2 AND p.interval = $3
          AND p.open_time >= to_timestamp($4 / 1000.0) AND p.open_time <= to_timestamp($5 / 1000.0)
        ORDER BY p.open_time, p.created_at`,
      [market.exchange, market.symbol, market.interval, from, to],
    );
    return new Map(
      rows.map((row) => [
        Number(row.open_ms),
        {
          openTime: Number(row.open_ms),
          modelVersionId: row.model_version_id,
          predictedReturn: row.predicted_return,
          probabilityUp: row.probability_up,
          trainedAt: row.trained_ms === null ? null : Number(row.trained_ms),
          volatility: row.volatility,
        },
      ]),
    );
  }

  /** Open time of a model version's newest prediction on a market (undefined: none yet). */
  async newestOpenTime(modelVersionId: string, market: MarketKey): Promise<number | undefined> {
    const rows: { open_ms: string | null }[] = await this.dataSource.query(
      `SELECT (extract(epoch FROM max(open_time)) * 1000)::bigint AS open_ms FROM predictions
        WHERE model_version_id = $1 AND exchange = $2 AND symbol = $3 AND interval = $4`,
      [modelVersionId, market.exchange, market.symbol, market.interval],
    );
    const value = rows[0]?.open_ms;
    return value === null || value === undefined ? undefined : Number(value);
  }

  /** MAE of the model and of persistence over its last `limit` realised predictions. */
  async liveAccuracy(modelVersionId: string, limit = 500): Promise<LiveAccuracy> {
    const rows: { count: string; mae: number | null; persistence_mae: number | null }[] =
      await this.dataSource.query(
        `SELECT count(*) AS count, avg(abs_error) AS mae, avg(persistence_abs_error) AS persistence_mae
         FROM (SELECT abs_error, persistence_abs_error FROM predictions
                WHERE model_version_id = $1 AND actual_close IS NOT NULL
                ORDER BY open_time DESC LIMIT $2) recent`,
        [modelVersionId, limit],
      );
    const row = rows[0];
    return {
      count: Number(row?.count ?? 0),
      mae: row?.mae ?? null,
      persistenceMae: row?.persistence_mae ?? null,
    };
  }
}
