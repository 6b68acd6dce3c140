import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { PaperTradeEvent } from './paper-events';

/** A paper order as the sweep reads it back: its event but the base asset (the caller knows it). */
export type StoredPaperTrade = Omit<PaperTradeEvent, 'symbol'>;

interface PaperTradeRow {
  order_id: string;
  account_id: string;
  account_name: string;
  strategy_id: string;
  pair: string;
  interval: string;
  side: 'BUY' | 'SELL';
  reason: PaperTradeEvent['reason'];
  decision_ms: number | null;
  fill_ms: number;
  price: number;
  quantity: number;
  fee: number;
  created_ms: number;
  entry_ms: number | null;
  exit_ms: number | null;
  entry_price: number | null;
  exit_price: number | null;
  trade_quantity: number | null;
  fees: number | null;
  profit: number | null;
  return_pct: number | null;
  exit_reason: NonNullable<PaperTradeEvent['trade']>['exitReason'] | null;
}

const epochMs = (column: string) => `round(extract(epoch FROM ${column}) * 1000)::float8`;

/**
 * The `paper_orders` table read back as `paper.trade` events, for the webhook sweep. Read-only:
 * the paper trader writes it (see paper-executions.repository.ts).
 */
@Injectable()
export class PaperOrdersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Paper orders the trader committed since `since` (epoch ms), oldest first, as their
   * `paper.trade` events were built (`executedAt` is the commit's time). Closing orders (`end`)
   * are left out: closing an account publishes none.
   */
  async tradesSince(since: number, limit: number): Promise<StoredPaperTrade[]> {
    const rows: PaperTradeRow[] = await this.dataSource.query(
      `SELECT o.id AS order_id, o.account_id, a.name AS account_name, a.strategy_id, o.symbol AS pair,
              a.interval, o.side, o.reason, ${epochMs('o.decision_time')} AS decision_ms,
              ${epochMs('o.fill_time')} AS fill_ms, f.price, f.quantity, f.fee,
              ${epochMs('o.created_at')} AS created_ms,
              ${epochMs('t.entry_time')} AS entry_ms, ${epochMs('t.exit_time')} AS exit_ms,
              t.entry_price, t.exit_price, t.quantity AS trade_quantity, t.fees, t.profit, t.return_pct,
              t.exit_reason
         FROM paper_orders o
         JOIN paper_accounts a ON a.id = o.account_id
         JOIN paper_fills f ON f.order_id = o.id
         LEFT JOIN paper_trades t
           ON o.side = 'SELL' AND t.account_id = o.account_id AND t.symbol = o.symbol
          AND t.exit_time = o.fill_time
        WHERE o.created_at >= to_timestamp($1 / 1000.0) AND o.reason <> 'end'
        ORDER BY o.created_at, o.fill_time
        LIMIT $2`,
      [since, limit],
    );
    return rows.map((row) => ({
      orderId: row.order_id,
      accountId: row.account_id,
      accountName: row.account_name,
      strategyId: row.strategy_id,
      pair: row.pair,
      interval: row.interval,
      side: row.side,
      reason: row.reason,
      decisionTime: row.decision_ms,
      fillTime: row.fill_ms,
      price: row.price,
      quantity: row.quantity,
      fee: row.fee,
      trade:
        row.entry_ms === null || row.exit_ms === null || row.exit_reason === null
          ? null
          : {
              entryTime: row.entry_ms,
              entryPrice: row.entry_price ?? 0,
              exitTime: row.exit_ms,
              exitPrice: row.exit_price ?? 0,
              quantity: row.trade_quantity ?? 0,
              fees: row.fees ?? 0,
              profit: row.profit ?? 0,
              returnPct: row.return_pct ?? 0,
              exitReason: row.exit_reason,
            },
      executedAt: row.created_ms,
    }));
  }
}
