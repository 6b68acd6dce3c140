import type { EntityManager } from 'typeorm';
import type { BookState, Trade } from '../strategy/engine/backtest';
import type { ExecutedOrder } from './broker';

/*
 * What a batch of paper executions writes (orders, fills, trades, equity and the books moved),
 * as one statement. The paper repositories run it inside their transactions.
 */

/** One SQL statement and its parameters ($1...). */
interface Statement {
  sql: string;
  params: unknown[];
}

/** An order an account's book executed. */
export type AccountOrder = ExecutedOrder & { id: string; accountId: string };

/** A book's state after a batch. */
interface BookUpdate {
  accountId: string;
  balances: BookState;
  /** The last candle stepped, and its close. */
  last: number;
  close: number | null;
  late: number;
}

/** One market's book at a candle's close. */
export interface EquityRow {
  accountId: string;
  openTime: number;
  cash: number;
  positionValue: number;
  late: boolean;
}

const ms = (column: string) => `to_timestamp(${column} / 1000.0)`;

function ordersInsert(symbol: string, orders: readonly AccountOrder[]): Statement {
  return {
    sql: `INSERT INTO paper_orders (id, account_id, symbol, side, reason, decision_time, fill_time, status)
          SELECT o.id, o.account_id, $1, o.side, o.reason, ${ms('o.decision_ms')}, ${ms('o.fill_ms')}, 'filled'
            FROM unnest($2::uuid[], $3::uuid[], $4::varchar[], $5::varchar[], $6::float8[], $7::float8[])
              AS o(id, account_id, side, reason, decision_ms, fill_ms)`,
    params: [
      symbol,
      orders.map((o) => o.id),
      orders.map((o) => o.accountId),
      orders.map((o) => o.side),
      orders.map((o) => o.reason),
      orders.map((o) => o.decisionTime),
      orders.map((o) => o.fillTime),
    ],
  };
}

function fillsInsert(symbol: string, orders: readonly AccountOrder[]): Statement {
  return {
    sql: `INSERT INTO paper_fills (order_id, account_id, symbol, time, price, quantity, fee)
          SELECT f.order_id, f.account_id, $1, ${ms('f.time_ms')}, f.price, f.quantity, f.fee
            FROM unnest($2::uuid[], $3::uuid[], $4::float8[], $5::float8[], $6::float8[], $7::float8[])
              AS f(order_id, account_id, time_ms, price, quantity, fee)`,
    params: [
      symbol,
      orders.map((o) => o.id),
      orders.map((o) => o.accountId),
      orders.map((o) => o.fillTime),
      orders.map((o) => o.price),
      orders.map((o) => o.quantity),
      orders.map((o) => o.fee),
    ],
  };
}

function tradesInsert(
  symbol: string,
  trades: readonly ({ accountId: string } & Trade)[],
): Statement {
  return {
    sql: `INSERT INTO paper_trades (account_id, symbol, entry_time, exit_time, entry_price, exit_price, quantity,
            fees, profit, return_pct, exit_reason)
          SELECT t.account_id, $1, ${ms('t.entry_ms')}, ${ms('t.exit_ms')}, t.entry_price, t.exit_price,
                 t.quantity, t.fees, t.profit, t.return_pct, t.exit_reason
            FROM unnest($2::uuid[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[],
                        $8::float8[], $9::float8[], $10::float8[], $11::varchar[])
              AS t(account_id, entry_ms, exit_ms, entry_price, exit_price, quantity, fees, profit, return_pct,
                   exit_reason)`,
    params: [
      symbol,
      trades.map((t) => t.accountId),
      trades.map((t) => t.entryTime),
      trades.map((t) => t.exitTime),
      trades.map((t) => t.entryPrice),
      trades.map((t) => t.exitPrice),
      trades.map((t) => t.quantity),
      trades.map((t) => t.fees),
      trades.map((t) => t.profit),
      trades.map((t) => t.returnPct),
      trades.map((t) => t.exitReason),
    ],
  };
}

/** Equity rows, stamped with the database clock at the insert (what bench:paper measures). */
function equityInsert(symbol: string, rows: readonly EquityRow[]): Statement {
  return {
    sql: `INSERT INTO paper_equity (account_id, symbol, open_time, cash, position_value, equity, late, written_at)
          SELECT e.account_id, $1, ${ms('e.open_ms')}, e.cash, e.position_value, e.cash + e.position_value,
                 e.late, clock_timestamp()
            FROM unnest($2::uuid[], $3::float8[], $4::float8[], $5::float8[], $6::boolean[])
              AS e(account_id, open_ms, cash, position_value, late)`,
    params: [
      symbol,
      rows.map((e) => e.accountId),
      rows.map((e) => e.openTime),
      rows.map((e) => e.cash),
      rows.map((e) => e.positionValue),
      rows.map((e) => e.late),
    ],
  };
}

function booksUpdate(symbol: string, books: readonly BookUpdate[]): Statement {
  return {
    sql: `UPDATE paper_positions p
             SET last_open_time = ${ms('b.last_ms')}, last_close = b.last_close, cash = b.cash,
                 position = b.position, cooldown = b.cooldown, fees_paid = b.fees_paid, candles = b.candles,
                 in_market = b.in_market, late_candles = b.late_candles
            FROM unnest($2::uuid[], $3::float8[], $4::float8[], $5::float8[], $6::jsonb[], $7::int[],
                        $8::float8[], $9::int[], $10::int[], $11::int[])
              AS b(account_id, last_ms, last_close, cash, position, cooldown, fees_paid, candles, in_market,
                   late_candles)
           WHERE p.account_id = b.account_id AND p.symbol = $1`,
    params: [
      symbol,
      books.map((b) => b.accountId),
      books.map((b) => b.last),
      books.map((b) => b.close),
      books.map((b) => b.balances.cash),
      books.map((b) => (b.balances.position ? JSON.stringify(b.balances.position) : null)),
      books.map((b) => b.balances.cooldown),
      books.map((b) => b.balances.feesPaid),
      books.map((b) => b.balances.candles),
      books.map((b) => b.balances.inMarket),
      books.map((b) => b.late),
    ],
  };
}

/** What one market's executions write. */
export interface ExecutionWrites {
  orders: readonly AccountOrder[];
  equity?: readonly EquityRow[];
  books: readonly BookUpdate[];
}

/** One market's orders, their fills and trades, and books moved: one statement, one round trip. */
export async function writeExecutions(
  manager: EntityManager,
  symbol: string,
  writes: ExecutionWrites,
): Promise<void> {
  const trades = writes.orders.flatMap((o) =>
    o.trade ? [{ accountId: o.accountId, ...o.trade }] : [],
  );
  const { sql, params } = combined([
    ordersInsert(symbol, writes.orders),
    fillsInsert(symbol, writes.orders),
    tradesInsert(symbol, trades),
    equityInsert(symbol, writes.equity ?? []),
    booksUpdate(symbol, writes.books),
  ]);
  await manager.query(sql, params);
}

/** Statements run as the data-modifying parts of one `WITH` (all of them run, in one snapshot). */
function combined(statements: readonly Statement[]): Statement {
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const [i, statement] of statements.entries()) {
    const offset = params.length;
    parts.push(
      `s${i} AS (${statement.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`)})`,
    );
    params.push(...statement.params);
  }
  return { sql: `WITH ${parts.join(',\n')} SELECT 1`, params };
}
