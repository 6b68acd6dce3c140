import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import type { Candle, MarketKey } from './candle';

export interface UpsertResult {
  inserted: number;
  updated: number;
  unchanged: number;
}

const COLUMNS = [
  'exchange',
  'symbol',
  'interval',
  'open_time',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'quote_volume',
  'trade_count',
  'taker_buy_base_volume',
  'taker_buy_quote_volume',
] as const;
const VALUE_COLUMNS = COLUMNS.slice(4);

function copyValue(value: number | null): string {
  return value === null ? '\\N' : String(value);
}

/** Candle SQL: bulk upsert through COPY into a staging table, and the reads the API makes. */
@Injectable()
export class CandlesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Writes candles of one market idempotently: new ones are inserted, changed ones updated,
   * identical ones left alone. Duplicated open times in `candles` keep the last one.
   */
  async upsert(market: MarketKey, candles: readonly Candle[]): Promise<UpsertResult> {
    if (!candles.length) {
      return { inserted: 0, updated: 0, unchanged: 0 };
    }
    const unique = new Map<number, Candle>();
    for (const candle of candles) {
      unique.set(candle.openTime, candle);
    }
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    try {
      await client.query('BEGIN');
      await client.query(
        `CREATE TEMP TABLE candles_staging (LIKE candles INCLUDING DEFAULTS) ON COMMIT DROP`,
      );
      const prefix = `${market.exchange}\t${market.symbol}\t${market.interval}\t`;
      const lines = function* () {
        let chunk = '';
        for (const candle of unique.values()) {
          chunk +=
            prefix +
            new Date(candle.openTime).toISOString() +
            '\t' +
            candle.open +
            '\t' +
            candle.high +
            '\t' +
            candle.low +
            '\t' +
            candle.close +
            '\t' +
            candle.volume +
            '\t' +
            copyValue(candle.quoteVolume) +
            '\t' +
            copyValue(candle.tradeCount) +
            '\t' +
            copyValue(candle.takerBuyBaseVolume) +
            '\t' +
            copyValue(candle.takerBuyQuoteVolume) +
            '\n';
          if (chunk.length > 65_536) {
            yield chunk;
            chunk = '';
          }
        }
        if (chunk) {
          yield chunk;
        }
      };
      await pipeline(
        Readable.from(lines()),
        client.query(copyFrom(`COPY candles_staging (${COLUMNS.join(', ')}) FROM STDIN`)),
      );
      const { rows } = await client.query<{ inserted: string; updated: string }>(
        `WITH upserted AS (
           INSERT INTO candles (${COLUMNS.join(', ')})
           SELECT ${COLUMNS.join(', ')} FROM candles_staging
           ON CONFLICT (exchange, symbol, interval, open_time) DO UPDATE SET
             ${VALUE_COLUMNS.map((column) => `${column} = excluded.${column}`).join(', ')}
           WHERE (${VALUE_COLUMNS.map((column) => `candles.${column}`).join(', ')})
             IS DISTINCT FROM (${VALUE_COLUMNS.map((column) => `excluded.${column}`).join(', ')})
           RETURNING (xmax = 0) AS inserted
         )
         SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated
           FROM upserted`,
      );
      await client.query('COMMIT');
      const inserted = Number(rows[0]?.inserted ?? 0);
      const updated = Number(rows[0]?.updated ?? 0);
      return { inserted, updated, unchanged: unique.size - inserted - updated };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  async find(params: MarketKey & { from: number; to: number; limit: number }): Promise<Candle[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT (extract(epoch FROM open_time) * 1000)::bigint AS open_time_ms, open, high, low, close, volume,
              quote_volume, trade_count, taker_buy_base_volume, taker_buy_quote_volume
         FROM candles
        WHERE exchange = $1 AND symbol = $2 AND interval = $3 AND open_time >= $4 AND open_time <= $5
        ORDER BY open_time
        LIMIT $6`,
      [params.exchange, params.symbol, params.interval, new Date(params.from), new Date(params.to), params.limit],
    );
    return rows.map((row) => ({
      openTime: Number(row.open_time_ms),
      open: row.open as number,
      high: row.high as number,
      low: row.low as number,
      close: row.close as number,
      volume: row.volume as number,
      quoteVolume: row.quote_volume as number | null,
      tradeCount: row.trade_count as number | null,
      takerBuyBaseVolume: row.taker_buy_base_volume as number | null,
      takerBuyQuoteVolume: row.taker_buy_quote_volume as number | null,
    }));
  }

  /** First and last open time and count of every stored market. */
  async summaries(exchange: string): Promise<{ symbol: string; interval: string; first: number; last: number; count: number }[]> {
    const rows: { symbol: string; interval: string; first_ms: string; last_ms: string; count: string }[] =
      await this.dataSource.query(
        `SELECT symbol, interval,
                (extract(epoch FROM min(open_time)) * 1000)::bigint AS first_ms,
                (extract(epoch FROM max(open_time)) * 1000)::bigint AS last_ms,
                count(*) AS count
           FROM candles WHERE exchange = $1 GROUP BY symbol, interval`,
        [exchange],
      );
    return rows.map((row) => ({
      symbol: row.symbol,
      interval: row.interval,
      first: Number(row.first_ms),
      last: Number(row.last_ms),
      count: Number(row.count),
    }));
  }
}
