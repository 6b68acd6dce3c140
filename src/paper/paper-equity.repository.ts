import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** An account's equity at one candle, its markets summed (time in epoch ms). */
export interface AccountEquityPoint {
  time: number;
  cash: number;
  positionValue: number;
  equity: number;
  late: boolean;
}

/** One market's equity at one candle (time in epoch ms). */
export interface BookEquityPoint {
  symbol: string;
  time: number;
  equity: number;
}

/** The latest time PostgreSQL's to_timestamp takes here: 9999-12-31T23:59:59Z. */
const MAX_TIMESTAMP_MS = 253402300799000;

const EPOCH_MS = (column: string) => `(extract(epoch FROM ${column}) * 1000)::bigint`;

/** Paper accounts' equity at each candle's close, per market, in PostgreSQL. */
@Injectable()
export class PaperEquityRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * An account's equity at each candle in [from, to] that all of its `marketCount` markets
   * stepped, oldest first.
   */
  async forAccount(params: {
    accountId: string;
    marketCount: number;
    from: number;
    to: number;
    limit: number;
  }): Promise<AccountEquityPoint[]> {
    const rows: {
      open_ms: string;
      cash: number;
      position_value: number;
      equity: number;
      late: boolean;
    }[] = await this.dataSource.query(
      `SELECT ${EPOCH_MS('open_time')} AS open_ms, sum(cash) AS cash, sum(position_value) AS position_value,
                sum(equity) AS equity, bool_or(late) AS late
           FROM paper_equity
          WHERE account_id = $1 AND open_time >= to_timestamp($2 / 1000.0) AND open_time <= to_timestamp($3 / 1000.0)
          GROUP BY open_time HAVING count(*) = $4
          ORDER BY open_time LIMIT $5`,
      [
        params.accountId,
        params.from,
        Math.min(params.to, MAX_TIMESTAMP_MS),
        params.marketCount,
        params.limit,
      ],
    );
    return rows.map((row) => ({
      time: Number(row.open_ms),
      cash: row.cash,
      positionValue: row.position_value,
      equity: row.equity,
      late: row.late,
    }));
  }

  /** Every market's equity of an account, oldest first. */
  async perMarket(accountId: string): Promise<BookEquityPoint[]> {
    const rows: { symbol: string; open_ms: string; equity: number }[] = await this.dataSource.query(
      `SELECT symbol, ${EPOCH_MS('open_time')} AS open_ms, equity FROM paper_equity
        WHERE account_id = $1 ORDER BY open_time`,
      [accountId],
    );
    return rows.map((row) => ({
      symbol: row.symbol,
      time: Number(row.open_ms),
      equity: row.equity,
    }));
  }
}
