import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { writeExecutions, type ExecutionWrites } from './paper-executions.repository';
import { PaperAccountEntity, PaperPositionEntity } from './paper.entities';

/** An account's terms as it is opened. */
export type NewPaperAccount = Pick<
  PaperAccountEntity,
  | 'name'
  | 'strategyId'
  | 'exchange'
  | 'interval'
  | 'markets'
  | 'startingCash'
  | 'feeRate'
  | 'slippage'
  | 'sizing'
>;

/** A market's book as an account opens it: its share of the cash, before its first candle. */
export type NewPaperBook = Pick<
  PaperPositionEntity,
  'symbol' | 'startTime' | 'lastOpenTime' | 'cash'
>;

/** What closing one book writes: its executions, and its last equity row set to the cash. */
export interface BookClosing {
  symbol: string;
  writes: ExecutionWrites;
  /** The book's last candle (epoch ms) and the cash after selling. */
  lastOpenTime: number;
  cash: number;
}

/** Paper accounts in PostgreSQL; opening and closing one writes its books too, in one transaction. */
@Injectable()
export class PaperAccountsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get accounts() {
    return this.dataSource.getRepository(PaperAccountEntity);
  }

  /**
   * Opens an account active with its books, unless an account of that name exists (undefined
   * then, nothing written).
   */
  async open(
    account: NewPaperAccount,
    books: readonly NewPaperBook[],
  ): Promise<string | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const inserted: { id: string }[] = await manager.query(
        `INSERT INTO paper_accounts (name, strategy_id, exchange, interval, markets, starting_cash, fee_rate,
           slippage, sizing, status)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9::jsonb, 'active')
         ON CONFLICT (name) DO NOTHING RETURNING id`,
        [
          account.name,
          account.strategyId,
          account.exchange,
          account.interval,
          JSON.stringify(account.markets),
          account.startingCash,
          account.feeRate,
          account.slippage,
          JSON.stringify(account.sizing),
        ],
      );
      if (!inserted[0]) {
        return undefined;
      }
      for (const book of books) {
        await manager.getRepository(PaperPositionEntity).insert({
          ...book,
          accountId: inserted[0].id,
          lastClose: null,
          position: null,
          cooldown: 0,
          feesPaid: 0,
          candles: 0,
          inMarket: 0,
          lateCandles: 0,
        });
      }
      return inserted[0].id;
    });
  }

  find(id: string): Promise<PaperAccountEntity | null> {
    return this.accounts.findOne({ where: { id } });
  }

  /** The account of this name, known to exist. */
  findByNameOrFail(name: string): Promise<PaperAccountEntity> {
    return this.accounts.findOneOrFail({ where: { name } });
  }

  /** Accounts whose name is `key`, or whose id is (any case). */
  findByNameOrId(key: string): Promise<PaperAccountEntity[]> {
    return this.accounts
      .createQueryBuilder('a')
      .where('a.name = :key OR a.id::text = lower(:key)', { key })
      .getMany();
  }

  list(): Promise<PaperAccountEntity[]> {
    return this.accounts.find({ order: { createdAt: 'ASC' } });
  }

  async setStatus(id: string, status: 'active' | 'paused'): Promise<void> {
    await this.accounts.update({ id }, { status });
  }

  /**
   * Closes an account in one transaction, the account and then its books locked: `settle` says
   * what closing each book writes; then the account is marked closed. An account already closed
   * (by a concurrent close) is left as it is and `settle` is not called.
   */
  async close(
    id: string,
    settle: (books: PaperPositionEntity[]) => Promise<BookClosing[]>,
  ): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const locked: { status: string }[] = await manager.query(
        `SELECT status FROM paper_accounts WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (locked[0]?.status === 'closed') {
        return;
      }
      const books = await manager
        .getRepository(PaperPositionEntity)
        .createQueryBuilder('p')
        .setLock('pessimistic_write')
        .where('p.account_id = :id', { id })
        .getMany();
      for (const closing of await settle(books)) {
        await writeExecutions(manager, closing.symbol, closing.writes);
        // The last close's equity is the cash after selling, as a backtest ends.
        await manager.query(
          `UPDATE paper_equity SET cash = $4, position_value = 0, equity = $4
            WHERE account_id = $1 AND symbol = $2 AND open_time = to_timestamp($3 / 1000.0)`,
          [id, closing.symbol, closing.lastOpenTime, closing.cash],
        );
      }
      await manager.query(
        `UPDATE paper_accounts SET status = 'closed', closed_at = now() WHERE id = $1`,
        [id],
      );
    });
  }
}
