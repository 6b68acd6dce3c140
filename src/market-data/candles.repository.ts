import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import type { Candle, MarketKey } from './candle';
import { encodeCandlesBinary } from './candle-copy.encoder';

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

/**
 * Candle SQL: bulk upsert through COPY into a staging table, and the reads the API makes. Ingest
 * writes through `CandleWriter`, which announces them.
 */
@Injectable()
export class CandlesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Writes candles of one market idempotently: new ones are inserted, changed ones updated,
   * identical ones left alone. Duplicated open times in `candles` keep the last one. Announcing
   * the write is `CandleWriter`'s.
   */
  async upsert(market: MarketKey, candles: readonly Candle[]): Promise<UpsertResult> {
    if (!candles.length) {
      return { inserted: 0, updated: 0, unchanged: 0 };
    }
    const unique = new Map<number, Candle>();
    for (const candle of candles) {
      unique.set(candle.openTime, candle);
    }
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const openTime of unique.keys()) {
      first = Math.min(first, openTime);
      last = Math.max(last, openTime);
    }
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    try {
      await client.query('BEGIN');
      // A range with no stored candle (a fresh import or backfill, the common case) is copied
      // straight into `candles`, several times faster than staging and upserting. If a concurrent
      // writer got there first, the unique violation rolls back to the savepoint and the upsert runs.
      const { rows: overlap } = await client.query<{ present: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM candles WHERE exchange = $1 AND symbol = $2 AND interval = $3
                          AND open_time >= $4 AND open_time <= $5) AS present`,
        [market.exchange, market.symbol, market.interval, new Date(first), new Date(last)],
      );
      if (!overlap[0]?.present) {
        await client.query('SAVEPOINT fresh_rows');
        try {
          await this.copyInto(client, 'candles', market, unique);
          await client.query('COMMIT');
          return { inserted: unique.size, updated: 0, unchanged: 0 };
        } catch (error) {
          if ((error as { code?: string }).code !== '23505') {
            throw error;
          }
          await client.query('ROLLBACK TO SAVEPOINT fresh_rows');
        }
      }
      await client.query(
        `CREATE TEMP TABLE candles_staging (LIKE candles INCLUDING DEFAULTS) ON COMMIT DROP`,
      );
      await this.copyInto(client, 'candles_staging', market, unique);
      const { inserted, updated } = await this.mergeStaging(client);
      await client.query('COMMIT');
      return { inserted, updated, unchanged: unique.size - inserted - updated };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
  }

  /** Streams candles into `table` with a binary COPY. */
  private async copyInto(
    client: PoolClient,
    table: string,
    market: MarketKey,
    unique: Map<number, Candle>,
  ): Promise<void> {
    await pipeline(
      Readable.from(encodeCandlesBinary(market, unique.values())),
      client.query(
        copyFrom(`COPY ${table} (${COLUMNS.join(', ')}) FROM STDIN WITH (FORMAT binary)`),
      ),
    );
  }

  /** Upserts the staged rows: new ones inserted, changed ones updated, identical ones left alone. */
  private async mergeStaging(client: PoolClient): Promise<{ inserted: number; updated: number }> {
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
    return { inserted: Number(rows[0]?.inserted ?? 0), updated: Number(rows[0]?.updated ?? 0) };
  }

  /**
   * Writes one candle (the live path): a plain parameterised upsert, cheaper than COPY for a
   * single row. Returns whether the row was inserted, updated or already identical.
   */
  async upsertOne(
    market: MarketKey,
    candle: Candle,
  ): Promise<'inserted' | 'updated' | 'unchanged'> {
    const rows: { inserted: boolean }[] = await this.dataSource.query(
      `INSERT INTO candles (${COLUMNS.join(', ')})
       VALUES ($1, $2, $3, to_timestamp($4 / 1000.0), $5, $6, $7, $8, $9, $10, $11, $12, $13)
       ON CONFLICT (exchange, symbol, interval, open_time) DO UPDATE SET
         ${VALUE_COLUMNS.map((column) => `${column} = excluded.${column}`).join(', ')}
       WHERE (${VALUE_COLUMNS.map((column) => `candles.${column}`).join(', ')})
         IS DISTINCT FROM (${VALUE_COLUMNS.map((column) => `excluded.${column}`).join(', ')})
       RETURNING (xmax = 0) AS inserted`,
      [
        market.exchange,
        market.symbol,
        market.interval,
        candle.openTime,
        candle.open,
        candle.high,
        candle.low,
        candle.close,
        candle.volume,
        candle.quoteVolume,
        candle.tradeCount,
        candle.takerBuyBaseVolume,
        candle.takerBuyQuoteVolume,
      ],
    );
    const row = rows[0];
    return row === undefined ? 'unchanged' : row.inserted ? 'inserted' : 'updated';
  }

  /** Open time of the newest stored candle of a market, or undefined when it has none. */
  async lastOpenTime(market: MarketKey): Promise<number | undefined> {
    const rows: { last_ms: string | null }[] = await this.dataSource.query(
      `SELECT (extract(epoch FROM max(open_time)) * 1000)::bigint AS last_ms
         FROM candles WHERE exchange = $1 AND symbol = $2 AND interval = $3`,
      [market.exchange, market.symbol, market.interval],
    );
    const last = rows[0]?.last_ms;
    return last === null || last === undefined ? undefined : Number(last);
  }

  /**
   * Holes on the interval grid between stored candles with open time in [from, to]: each is the
   * first and last missing open time. Candles before the first or after the last stored one are
   * not holes (backfill covers those).
   */
  async holes(
    market: MarketKey & { from: number; to: number; intervalMs: number },
  ): Promise<{ from: number; to: number }[]> {
    const rows: { from_ms: string; to_ms: string }[] = await this.dataSource.query(
      `SELECT (extract(epoch FROM open_time) * 1000)::bigint + $6 AS from_ms,
              (extract(epoch FROM next_time) * 1000)::bigint - $6 AS to_ms
         FROM (SELECT open_time, lead(open_time) OVER (ORDER BY open_time) AS next_time
                 FROM candles
                WHERE exchange = $1 AND symbol = $2 AND interval = $3 AND open_time >= $4 AND open_time <= $5) AS grid
        WHERE next_time - open_time > make_interval(secs => $6 / 1000.0)
        ORDER BY open_time`,
      [
        market.exchange,
        market.symbol,
        market.interval,
        new Date(market.from),
        new Date(market.to),
        market.intervalMs,
      ],
    );
    return rows.map((row) => ({ from: Number(row.from_ms), to: Number(row.to_ms) }));
  }

  /** Candles with open time in [from, to], ascending: the first `limit`, or with `newest` the last `limit`. */
  async find(
    params: MarketKey & { from: number; to: number; limit: number; newest?: boolean },
  ): Promise<Candle[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT (extract(epoch FROM open_time) * 1000)::bigint AS open_time_ms, open, high, low, close, volume,
              quote_volume, trade_count, taker_buy_base_volume, taker_buy_quote_volume
         FROM candles
        WHERE exchange = $1 AND symbol = $2 AND interval = $3 AND open_time >= $4 AND open_time <= $5
        ORDER BY open_time ${params.newest ? 'DESC' : 'ASC'}
        LIMIT $6`,
      [
        params.exchange,
        params.symbol,
        params.interval,
        new Date(params.from),
        new Date(params.to),
        params.limit,
      ],
    );
    const candles = rows.map((row) => ({
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
    return params.newest ? candles.reverse() : candles;
  }

  /** First and last open time and count of every stored market. */
  async summaries(
    exchange: string,
  ): Promise<{ symbol: string; interval: string; first: number; last: number; count: number }[]> {
    const rows: {
      symbol: string;
      interval: string;
      first_ms: string;
      last_ms: string;
      count: string;
    }[] = await this.dataSource.query(
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
