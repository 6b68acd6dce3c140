import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { MarketKey } from './candle';

export interface TimeRange {
  /** First missing open time (epoch ms). */
  from: number;
  /** Last missing open time (epoch ms). */
  to: number;
}

export interface KnownGap extends TimeRange {
  checks: number;
  confirmed: boolean;
  nextCheckAt: number | null;
}

/** SQL of `known_gaps`: ranges the exchange answered as empty. */
@Injectable()
export class KnownGapsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async list(market: MarketKey): Promise<KnownGap[]> {
    const rows: {
      from_ms: string;
      to_ms: string;
      checks: number;
      confirmed: boolean;
      next_ms: string | null;
    }[] = await this.dataSource.query(
      `SELECT (extract(epoch FROM from_time) * 1000)::bigint AS from_ms,
                (extract(epoch FROM to_time) * 1000)::bigint AS to_ms,
                checks, confirmed,
                (extract(epoch FROM next_check_at) * 1000)::bigint AS next_ms
           FROM known_gaps WHERE exchange = $1 AND symbol = $2 AND interval = $3 ORDER BY from_time`,
      [market.exchange, market.symbol, market.interval],
    );
    return rows.map((row) => ({
      from: Number(row.from_ms),
      to: Number(row.to_ms),
      checks: row.checks,
      confirmed: row.confirmed,
      nextCheckAt: row.next_ms === null ? null : Number(row.next_ms),
    }));
  }

  /** Counts per market, for the markets overview. */
  async counts(
    exchange: string,
  ): Promise<{ symbol: string; interval: string; gaps: number; spanMs: number }[]> {
    const rows: { symbol: string; interval: string; gaps: string; span_ms: string }[] =
      await this.dataSource.query(
        `SELECT symbol, interval, count(*) AS gaps,
              sum(extract(epoch FROM to_time - from_time) * 1000)::bigint AS span_ms
         FROM known_gaps WHERE exchange = $1 GROUP BY symbol, interval`,
        [exchange],
      );
    return rows.map((row) => ({
      symbol: row.symbol,
      interval: row.interval,
      gaps: Number(row.gaps),
      spanMs: Number(row.span_ms),
    }));
  }

  /**
   * Records that the exchange answered `range` with no candles: a new gap starts its count at 1,
   * a known one counts up; it becomes confirmed after `confirmations` checks.
   */
  async recordEmpty(params: {
    market: MarketKey;
    range: TimeRange;
    confirmations: number;
    recheckMs: number;
    now: number;
  }): Promise<KnownGap> {
    const { market, range } = params;
    const rows: { checks: number; confirmed: boolean }[] = await this.dataSource.query(
      `INSERT INTO known_gaps (exchange, symbol, interval, from_time, to_time, checks, confirmed,
                               first_checked_at, last_checked_at, next_check_at)
       VALUES ($1, $2, $3, $4, $5, 1, $6 <= 1, $7, $7, $7::timestamptz + make_interval(secs => $8 / 1000.0))
       ON CONFLICT (exchange, symbol, interval, from_time) DO UPDATE SET
         to_time = excluded.to_time,
         checks = known_gaps.checks + 1,
         confirmed = known_gaps.checks + 1 >= $6,
         last_checked_at = excluded.last_checked_at,
         next_check_at = excluded.last_checked_at
           + make_interval(secs => $8 * power(2, known_gaps.checks) / 1000.0)
       RETURNING checks, confirmed`,
      [
        market.exchange,
        market.symbol,
        market.interval,
        new Date(range.from),
        new Date(range.to),
        params.confirmations,
        new Date(params.now),
        params.recheckMs,
      ],
    );
    const row = rows[0] ?? { checks: 1, confirmed: false };
    return { ...range, checks: row.checks, confirmed: row.confirmed, nextCheckAt: null };
  }

  /** Forgets known gaps in [from, to] that are not in `stillMissing` (the exchange filled them). */
  async forgetFilled(
    market: MarketKey,
    range: TimeRange,
    stillMissing: readonly TimeRange[],
  ): Promise<number> {
    const keep = stillMissing.map((gap) => new Date(gap.from));
    const result: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM known_gaps
        WHERE exchange = $1 AND symbol = $2 AND interval = $3 AND from_time >= $4 AND from_time <= $5
          AND NOT (from_time = ANY($6::timestamptz[]))`,
      [
        market.exchange,
        market.symbol,
        market.interval,
        new Date(range.from),
        new Date(range.to),
        keep,
      ],
    );
    return result[1];
  }
}
