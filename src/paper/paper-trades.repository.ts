import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Trade } from '../strategy/engine/backtest';

/** A closed paper trade of one market (times in epoch ms). */
export type PaperTradeRow = Trade & { symbol: string };

interface TradeSqlRow {
  symbol: string;
  entry_ms: string;
  entry_price: number;
  exit_ms: string;
  exit_price: number;
  quantity: number;
  fees: number;
  profit: number;
  return_pct: number;
  exit_reason: Trade['exitReason'];
}

const EPOCH_MS = (column: string) => `(extract(epoch FROM ${column}) * 1000)::bigint`;

/** Paper accounts' closed trades in PostgreSQL (written with the orders that close them). */
@Injectable()
export class PaperTradesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** An account's trades by exit time and market, a page at a time. */
  async list(accountId: string, page: { offset: number; limit: number }): Promise<PaperTradeRow[]> {
    const rows: TradeSqlRow[] = await this.dataSource.query(
      `SELECT symbol, ${EPOCH_MS('entry_time')} AS entry_ms, entry_price, ${EPOCH_MS('exit_time')} AS exit_ms,
              exit_price, quantity, fees, profit, return_pct, exit_reason
         FROM paper_trades WHERE account_id = $1
        ORDER BY exit_time, symbol OFFSET $2 LIMIT $3`,
      [accountId, page.offset, page.limit],
    );
    return rows.map((row) => ({
      symbol: row.symbol,
      entryTime: Number(row.entry_ms),
      entryPrice: row.entry_price,
      exitTime: Number(row.exit_ms),
      exitPrice: row.exit_price,
      quantity: row.quantity,
      fees: row.fees,
      profit: row.profit,
      returnPct: row.return_pct,
      exitReason: row.exit_reason,
    }));
  }
}
