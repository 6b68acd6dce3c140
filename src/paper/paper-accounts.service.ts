import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AppException, ValidationException, type FieldProblem } from '../common/app.exception';
import { parseTime } from '../common/time-param';
import { assertUuid } from '../common/uuid.pipe';
import { AppConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { CandlesRepository } from '../market-data/candles.repository';
import { MarketCatalogue, MarketDataException, intervalMs } from '../market-data/market-catalogue';
import { requestedSizing } from '../strategy/requested-sizing';
import {
  parseStrategyDefinition,
  type PositionSizing,
  type StrategyDefinition,
} from '../strategy/engine/strategy-definition';
import { StrategiesService, StrategyException } from '../strategy/strategies.service';
import type { StrategyDto } from '../strategy/dto/strategy.dto';
import { BROKER, type Broker } from './broker';
import {
  PaperAccountDto,
  PaperEquityPageDto,
  PaperPositionDto,
  PaperTradeDto,
  type CreatePaperAccountDto,
} from './dto/paper.dto';
import { PaperAccountFigures } from './paper-account-figures.service';
import { PAPER_ACCOUNT_OPENED } from './paper-events';
import { PaperAccountsRepository, type BookClosing } from './paper-accounts.repository';
import { bookState, PaperBooksRepository } from './paper-books.repository';
import { PaperEquityRepository } from './paper-equity.repository';
import { PaperTradesRepository } from './paper-trades.repository';
import type { PaperAccountEntity, PaperPositionEntity } from './paper.entities';

class PaperException extends AppException {}

/** Paper accounts: opening, pausing and closing them, and everything they recorded. */
@Injectable()
export class PaperAccountsService {
  constructor(
    private readonly config: AppConfig,
    private readonly catalogue: MarketCatalogue,
    private readonly candles: CandlesRepository,
    private readonly strategies: StrategiesService,
    private readonly accounts: PaperAccountsRepository,
    private readonly books: PaperBooksRepository,
    private readonly equityPoints: PaperEquityRepository,
    private readonly paperTrades: PaperTradesRepository,
    private readonly figures: PaperAccountFigures,
    private readonly redis: RedisService,
    @Inject(BROKER) private readonly broker: Broker,
  ) {}

  /** Opens an account (or returns the one of that name when the terms are the same). */
  async create(input: CreatePaperAccountDto): Promise<PaperAccountDto> {
    const strategy = await this.strategyOf(input.strategy);
    const interval = this.catalogue.resolveInterval(
      input.interval ?? this.config.get('PREDICT_INTERVAL'),
    );
    const markets = this.marketsOf(input.markets);
    const sizing: PositionSizing = input.sizing
      ? requestedSizing(input.sizing)
      : (parseStrategyDefinition(strategy.definition).sizing ?? { kind: 'all-in' });
    const terms = {
      strategyId: strategy.id,
      exchange: this.catalogue.exchange,
      interval,
      markets,
      startingCash: input.startingCash,
      feeRate: input.feeRate ?? 0.001,
      slippage: input.slippage ?? 0,
      sizing,
    };
    const step = intervalMs(interval);
    // Each market's book starts with its share of the cash at the first candle to close.
    const books = [];
    for (const symbol of markets) {
      const last = await this.candles.lastOpenTime({ exchange: terms.exchange, symbol, interval });
      const start = last === undefined ? Math.floor(Date.now() / step) * step : last + step;
      books.push({
        symbol,
        startTime: new Date(start),
        lastOpenTime: new Date(start - step),
        cash: terms.startingCash / markets.length,
      });
    }
    const id = await this.accounts.open({ name: input.name, ...terms }, books);
    if (id) {
      await this.redis.publish(PAPER_ACCOUNT_OPENED, id);
      return this.get(id, { compare: false });
    }
    const existing = await this.accounts.findByNameOrFail(input.name);
    const same =
      existing.status !== 'closed' &&
      JSON.stringify({ ...terms }) ===
        JSON.stringify({
          strategyId: existing.strategyId,
          exchange: existing.exchange,
          interval: existing.interval,
          markets: existing.markets,
          startingCash: existing.startingCash,
          feeRate: existing.feeRate,
          slippage: existing.slippage,
          sizing: existing.sizing,
        });
    if (!same) {
      throw new PaperException(
        'CONFLICT',
        `A paper account named ${input.name} exists with other terms${existing.status === 'closed' ? ' (closed)' : ''}`,
      );
    }
    return this.get(existing.id, { compare: false });
  }

  /** Pauses (decisions ignored, positions and guards kept) or resumes an account. */
  async setStatus(id: string, status: 'active' | 'paused'): Promise<PaperAccountDto> {
    const account = await this.find(id);
    if (account.status === 'closed') {
      throw new PaperException('CONFLICT', `Paper account ${account.name} is closed`);
    }
    await this.accounts.setStatus(account.id, status);
    return this.get(account.id, { compare: false });
  }

  /** Closes an account: open positions sold at their last close, everything kept for the record. */
  async close(id: string): Promise<PaperAccountDto> {
    const account = await this.find(id);
    await this.accounts.close(account.id, async (books) => {
      const definition = parseStrategyDefinition(
        (await this.strategies.get(account.strategyId)).definition,
      );
      return books.flatMap((book) => this.closeBook(account, book, definition.guards));
    });
    return this.get(account.id, { compare: false });
  }

  /** What selling a book's open position at its last close writes; nothing when it is flat. */
  private closeBook(
    account: PaperAccountEntity,
    book: PaperPositionEntity,
    guards: StrategyDefinition['guards'],
  ): BookClosing[] {
    if (!book.position || book.lastClose === null) {
      return [];
    }
    const time = book.lastOpenTime.getTime();
    const report = this.broker.close({
      rules: {
        feeRate: account.feeRate,
        slippage: account.slippage,
        sizing: account.sizing,
        ...guards,
      },
      balances: bookState(book),
      time,
      price: book.lastClose,
    });
    return [
      {
        symbol: book.symbol,
        writes: {
          orders: report.orders.map((order) => ({
            ...order,
            id: randomUUID(),
            accountId: account.id,
          })),
          books: [
            {
              accountId: account.id,
              balances: report.balances,
              last: time,
              close: book.lastClose,
              late: book.lateCandles,
            },
          ],
        },
        lastOpenTime: time,
        cash: report.balances.cash,
      },
    ];
  }

  async list(): Promise<PaperAccountDto[]> {
    const accounts = await this.accounts.list();
    return Promise.all(
      accounts.map((account) => this.figures.describe(account, { compare: false })),
    );
  }

  /** An account with its figures; `compare` adds buy-and-hold and the backtest of the same candles. */
  async get(
    id: string,
    options: { compare: boolean } = { compare: true },
  ): Promise<PaperAccountDto> {
    return this.figures.describe(await this.find(id), options);
  }

  async trades(id: string, page: { offset?: number; limit?: number }): Promise<PaperTradeDto[]> {
    const account = await this.find(id);
    const rows = await this.paperTrades.list(account.id, {
      offset: page.offset ?? 0,
      limit: page.limit ?? 500,
    });
    return rows.map((row) =>
      Object.assign(new PaperTradeDto(), {
        ...row,
        symbol: this.catalogue.baseOf(row.symbol),
        entryTime: new Date(row.entryTime),
        exitTime: new Date(row.exitTime),
      }),
    );
  }

  async positions(id: string): Promise<PaperPositionDto[]> {
    const account = await this.find(id);
    const books = await this.books.forAccount(account.id);
    return books.map((book) => {
      const quantity = book.position?.quantity ?? 0;
      const started = book.lastOpenTime.getTime() >= book.startTime.getTime();
      return Object.assign(new PaperPositionDto(), {
        symbol: this.catalogue.baseOf(book.symbol),
        cash: book.cash,
        quantity,
        entryPrice: book.position?.price ?? null,
        entryTime: book.position ? new Date(book.position.time) : null,
        markPrice: book.lastClose,
        equity: book.cash + quantity * (book.lastClose ?? 0),
        feesPaid: book.feesPaid,
        lastCandle: started ? book.lastOpenTime : null,
        lateCandles: book.lateCandles,
      });
    });
  }

  /** The account's equity at each candle every market stepped, oldest first, a page at a time. */
  async equity(
    id: string,
    query: { from?: string; to?: string; limit?: number },
  ): Promise<PaperEquityPageDto> {
    const account = await this.find(id);
    const from = query.from === undefined ? 0 : parseTime(query.from, 'from');
    const to = query.to === undefined ? Number.MAX_SAFE_INTEGER : parseTime(query.to, 'to');
    if (from > to) {
      throw new ValidationException([{ field: 'from', problem: 'must not be after to' }]);
    }
    const limit = query.limit ?? 500;
    const rows = await this.equityPoints.forAccount({
      accountId: account.id,
      marketCount: account.markets.length,
      from,
      to,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const next = rows[limit];
    return Object.assign(new PaperEquityPageDto(), {
      points: page.map((row) => ({
        time: new Date(row.time),
        cash: row.cash,
        positionValue: row.positionValue,
        equity: row.equity,
        late: row.late,
      })),
      next: next ? new Date(next.time).toISOString() : null,
    });
  }

  private async find(id: string): Promise<PaperAccountEntity> {
    assertUuid(id, 'id');
    const account = await this.accounts.find(id);
    if (!account) {
      throw new PaperException('NOT_FOUND', `No paper account ${id}`);
    }
    return account;
  }

  /** The strategy version an account follows; an unknown one is a 400 naming the field. */
  private async strategyOf(input: string): Promise<StrategyDto> {
    try {
      return await this.strategies.get(input);
    } catch (error) {
      if (error instanceof StrategyException && error.code === 'NOT_FOUND') {
        throw new ValidationException([
          { field: 'strategy', problem: `names no strategy (${input.slice(0, 80)})` },
        ]);
      }
      throw error;
    }
  }

  /** Exchange pairs of the requested markets, each configured and named once. */
  private marketsOf(inputs: readonly string[]): string[] {
    const problems: FieldProblem[] = [];
    const pairs: string[] = [];
    inputs.forEach((input, i) => {
      try {
        const pair = this.catalogue.pair(this.catalogue.resolveSymbol(input));
        if (pairs.includes(pair)) {
          problems.push({ field: `markets[${i}]`, problem: `repeats ${input.slice(0, 40)}` });
        }
        pairs.push(pair);
      } catch (error) {
        if (!(error instanceof MarketDataException)) {
          throw error;
        }
        problems.push({
          field: `markets[${i}]`,
          problem: `is not a configured market (${input.slice(0, 40)}; configured: ${this.catalogue.bases.join(', ')})`,
        });
      }
    });
    if (problems.length) {
      throw new ValidationException(problems);
    }
    return pairs;
  }

  /** The id of the account of this name or id (`cli paper show btc-forward`); none is a 404. */
  async resolve(idOrName: string): Promise<string> {
    const matches = await this.accounts.findByNameOrId(idOrName);
    const account = matches.find((match) => match.name === idOrName) ?? matches[0];
    if (!account) {
      throw new PaperException('NOT_FOUND', `No paper account ${idOrName.slice(0, 80)}`);
    }
    return account.id;
  }
}
