import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { MarketKey } from '../market-data/candle';
import type { BookState } from '../strategy/engine/backtest';
import type { PositionSizing } from '../strategy/engine/strategy-definition';
import { writeExecutions, type ExecutionWrites } from './paper-executions.repository';
import { PaperPositionEntity } from './paper.entities';

/** A book's balances as the fill rules step them (from a stored book or an open one). */
export function bookState(book: BookState): BookState {
  return {
    cash: book.cash,
    position: book.position,
    cooldown: book.cooldown,
    feesPaid: book.feesPaid,
    candles: book.candles,
    inMarket: book.inMarket,
  };
}

/** An open book of a market with its account's terms, as the trader steps it. */
export interface OpenBook {
  accountId: string;
  accountName: string;
  symbol: string;
  strategyId: string;
  status: 'active' | 'paused';
  feeRate: number;
  slippage: number;
  sizing: PositionSizing;
  /** The account's first candle and the last one this book stepped (epoch ms). */
  startTime: number;
  lastOpenTime: number;
  lastClose: number | null;
  cash: number;
  position: BookState['position'];
  cooldown: number;
  feesPaid: number;
  candles: number;
  inMarket: number;
  lateCandles: number;
}

/** The open books of a market that have candles to step, with their accounts' terms. */
const OPEN_BOOKS_SQL = `SELECT p.account_id, a.name, p.symbol, a.strategy_id, a.status, a.fee_rate, a.slippage, a.sizing,
        (extract(epoch FROM p.start_time) * 1000)::bigint AS start_ms,
        (extract(epoch FROM p.last_open_time) * 1000)::bigint AS last_ms,
        p.last_close, p.cash, p.position, p.cooldown, p.fees_paid, p.candles, p.in_market, p.late_candles
   FROM paper_positions p JOIN paper_accounts a ON a.id = p.account_id
  WHERE a.exchange = $1 AND p.symbol = $2 AND a.interval = $3 AND a.status <> 'closed'
  ORDER BY p.account_id`;

interface OpenBookRow {
  account_id: string;
  name: string;
  symbol: string;
  strategy_id: string;
  status: 'active' | 'paused';
  fee_rate: number;
  slippage: number;
  sizing: PositionSizing;
  start_ms: string;
  last_ms: string;
  last_close: number | null;
  cash: number;
  position: BookState['position'];
  cooldown: number;
  fees_paid: number;
  candles: number;
  in_market: number;
  late_candles: number;
}

/** Paper accounts' books (one per account and market: `paper_positions`) in PostgreSQL. */
@Injectable()
export class PaperBooksRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** An account's books, by market. */
  forAccount(accountId: string): Promise<PaperPositionEntity[]> {
    return this.dataSource
      .getRepository(PaperPositionEntity)
      .find({ where: { accountId }, order: { symbol: 'ASC' } });
  }

  /** Every market some account that is not closed has a book on. */
  openMarkets(): Promise<MarketKey[]> {
    return this.dataSource.query(
      `SELECT DISTINCT a.exchange, p.symbol, a.interval
         FROM paper_positions p JOIN paper_accounts a ON a.id = p.account_id
        WHERE a.status <> 'closed'`,
    );
  }

  /** The books of a market's accounts that are not closed, by account. */
  async open(market: MarketKey): Promise<OpenBook[]> {
    const rows: OpenBookRow[] = await this.dataSource.query(OPEN_BOOKS_SQL, [
      market.exchange,
      market.symbol,
      market.interval,
    ]);
    return rows.map(openBookOf);
  }

  /**
   * One transaction: the market's open books locked (`FOR UPDATE SKIP LOCKED`: books another
   * batch holds are left out), `step` run on them, and the writes it returns made. Returns what
   * `step` says.
   */
  async stepLocked<T>(
    market: MarketKey,
    step: (locked: OpenBook[]) => { value: T; writes?: ExecutionWrites },
  ): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      const rows: OpenBookRow[] = await manager.query(
        `${OPEN_BOOKS_SQL} FOR UPDATE OF p SKIP LOCKED`,
        [market.exchange, market.symbol, market.interval],
      );
      const { value, writes } = step(rows.map(openBookOf));
      if (writes) {
        await writeExecutions(manager, market.symbol, writes);
      }
      return value;
    });
  }
}

function openBookOf(row: OpenBookRow): OpenBook {
  return {
    accountId: row.account_id,
    accountName: row.name,
    symbol: row.symbol,
    strategyId: row.strategy_id,
    status: row.status,
    feeRate: row.fee_rate,
    slippage: row.slippage,
    sizing: row.sizing,
    startTime: Number(row.start_ms),
    lastOpenTime: Number(row.last_ms),
    lastClose: row.last_close,
    cash: row.cash,
    position: row.position,
    cooldown: row.cooldown,
    feesPaid: row.fees_paid,
    candles: row.candles,
    inMarket: row.in_market,
    lateCandles: row.late_candles,
  };
}
