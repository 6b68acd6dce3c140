import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AppException, ValidationException, type FieldProblem } from '../common/app.exception';
import { parseTime } from '../common/time-param';
import { assertUuid } from '../common/uuid.pipe';
import { AppConfig } from '../config/app-config';
import { CandlesRepository } from '../market-data/candles.repository';
import { MarketCatalogue, MarketDataException, intervalMs } from '../market-data/market';
import { BacktestsService, requestedSizing } from '../strategy/backtests.service';
import {
  performance,
  type BookState,
  type PerformanceMetrics,
  type Trade,
} from '../strategy/engine/backtest';
import {
  parseStrategyDefinition,
  type PositionSizing,
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
import { PaperAccountEntity, PaperPositionEntity } from './paper.entities';
import { writeExecutions } from './paper-writes';

export class PaperException extends AppException {}

/** One market's book series, to combine into an account's figures. */
interface BookSeries {
  equity: { time: number; equity: number }[];
  trades: readonly Trade[];
  feesPaid: number;
  inMarket: number;
  candles: number;
}

/**
 * An account's figures from its markets' books: the equity summed at the candles every market
 * stepped, exposure the mean of the markets', Sharpe and the rest as a backtest computes them.
 */
export function combinedMetrics(
  books: readonly BookSeries[],
  startingCash: number,
  intervalMs: number,
): PerformanceMetrics {
  const sums = new Map<number, { equity: number; count: number }>();
  for (const book of books) {
    for (const point of book.equity) {
      const sum = sums.get(point.time) ?? { equity: 0, count: 0 };
      sum.equity += point.equity;
      sum.count++;
      sums.set(point.time, sum);
    }
  }
  const equity = [...sums]
    .filter(([, sum]) => sum.count === books.length)
    .sort(([a], [b]) => a - b)
    .map(([time, sum]) => ({ time, equity: sum.equity }));
  return performance({
    equity,
    trades: books.flatMap((book) => book.trades),
    feesPaid: books.reduce((total, book) => total + book.feesPaid, 0),
    inMarket: books.reduce((total, book) => total + book.inMarket, 0),
    candles: books.reduce((total, book) => total + book.candles, 0),
    startingCash,
    intervalMs,
  });
}

const EPOCH_MS = (column: string) => `(extract(epoch FROM ${column}) * 1000)::bigint`;

/** Paper accounts: opening, pausing and closing them, and everything they recorded. */
@Injectable()
export class PaperAccountsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly catalogue: MarketCatalogue,
    private readonly candles: CandlesRepository,
    private readonly strategies: StrategiesService,
    private readonly backtests: BacktestsService,
    @Inject(BROKER) private readonly broker: Broker,
  ) {}

  private get accounts() {
    return this.dataSource.getRepository(PaperAccountEntity);
  }

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
    const id = await this.dataSource.transaction(async (manager) => {
      const inserted: { id: string }[] = await manager.query(
        `INSERT INTO paper_accounts (name, strategy_id, exchange, interval, markets, starting_cash, fee_rate,
           slippage, sizing, status)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9::jsonb, 'active')
         ON CONFLICT (name) DO NOTHING RETURNING id`,
        [
          input.name,
          terms.strategyId,
          terms.exchange,
          terms.interval,
          JSON.stringify(terms.markets),
          terms.startingCash,
          terms.feeRate,
          terms.slippage,
          JSON.stringify(terms.sizing),
        ],
      );
      if (!inserted[0]) {
        return undefined;
      }
      // Each market's book starts with its share of the cash at the first candle to close.
      for (const symbol of markets) {
        const last = await this.candles.lastOpenTime({
          exchange: terms.exchange,
          symbol,
          interval,
        });
        const start = last === undefined ? Math.floor(Date.now() / step) * step : last + step;
        await manager.getRepository(PaperPositionEntity).insert({
          accountId: inserted[0].id,
          symbol,
          startTime: new Date(start),
          lastOpenTime: new Date(start - step),
          lastClose: null,
          cash: terms.startingCash / markets.length,
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
    if (id) {
      return this.get(id, { compare: false });
    }
    const existing = await this.accounts.findOneOrFail({ where: { name: input.name } });
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
    await this.accounts.update({ id: account.id }, { status });
    return this.get(account.id, { compare: false });
  }

  /** Closes an account: open positions sold at their last close, everything kept for the record. */
  async close(id: string): Promise<PaperAccountDto> {
    const account = await this.find(id);
    await this.dataSource.transaction(async (manager) => {
      const locked: { status: string }[] = await manager.query(
        `SELECT status FROM paper_accounts WHERE id = $1 FOR UPDATE`,
        [account.id],
      );
      if (locked[0]?.status === 'closed') {
        return;
      }
      const books = await manager
        .getRepository(PaperPositionEntity)
        .createQueryBuilder('p')
        .setLock('pessimistic_write')
        .where('p.account_id = :id', { id: account.id })
        .getMany();
      const definition = parseStrategyDefinition(
        (await this.strategies.get(account.strategyId)).definition,
      );
      for (const book of books) {
        await this.closeBook(manager, account, book, definition.guards);
      }
      await manager.query(
        `UPDATE paper_accounts SET status = 'closed', closed_at = now() WHERE id = $1`,
        [account.id],
      );
    });
    return this.get(account.id, { compare: false });
  }

  private async closeBook(
    manager: EntityManager,
    account: PaperAccountEntity,
    book: PaperPositionEntity,
    guards: { stopLoss?: number; takeProfit?: number; cooldownCandles?: number },
  ): Promise<void> {
    if (!book.position || book.lastClose === null) {
      return;
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
    await writeExecutions(manager, book.symbol, {
      orders: report.orders.map((order) => ({ ...order, id: randomUUID(), accountId: account.id })),
      books: [
        {
          accountId: account.id,
          balances: report.balances,
          last: time,
          close: book.lastClose,
          late: book.lateCandles,
        },
      ],
    });
    // The last close's equity is the cash after selling, as a backtest ends.
    await manager.query(
      `UPDATE paper_equity SET cash = $4, position_value = 0, equity = $4
        WHERE account_id = $1 AND symbol = $2 AND open_time = to_timestamp($3 / 1000.0)`,
      [account.id, book.symbol, time, report.balances.cash],
    );
  }

  async list(): Promise<PaperAccountDto[]> {
    const accounts = await this.accounts.find({ order: { createdAt: 'ASC' } });
    return Promise.all(accounts.map((account) => this.dto(account, { compare: false })));
  }

  /** An account with its figures; `compare` adds buy-and-hold and the backtest of the same candles. */
  async get(
    id: string,
    options: { compare: boolean } = { compare: true },
  ): Promise<PaperAccountDto> {
    return this.dto(await this.find(id), options);
  }

  async trades(id: string, page: { offset?: number; limit?: number }): Promise<PaperTradeDto[]> {
    return this.tradesOf(await this.find(id), page);
  }

  private async tradesOf(
    account: PaperAccountEntity,
    page: { offset?: number; limit?: number },
  ): Promise<PaperTradeDto[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT symbol, ${EPOCH_MS('entry_time')} AS entry_ms, entry_price, ${EPOCH_MS('exit_time')} AS exit_ms,
              exit_price, quantity, fees, profit, return_pct, exit_reason
         FROM paper_trades WHERE account_id = $1
        ORDER BY exit_time, symbol OFFSET $2 LIMIT $3`,
      [account.id, page.offset ?? 0, page.limit ?? 500],
    );
    return rows.map((row) =>
      Object.assign(new PaperTradeDto(), {
        symbol: this.catalogue.baseOf(row.symbol as string),
        entryTime: new Date(Number(row.entry_ms)),
        entryPrice: row.entry_price,
        exitTime: new Date(Number(row.exit_ms)),
        exitPrice: row.exit_price,
        quantity: row.quantity,
        fees: row.fees,
        profit: row.profit,
        returnPct: row.return_pct,
        exitReason: row.exit_reason,
      }),
    );
  }

  async positions(id: string): Promise<PaperPositionDto[]> {
    const account = await this.find(id);
    const books = await this.books(account.id);
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
    const rows = await this.equityRows(account, { from, to, limit: limit + 1 });
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

  private async equityRows(
    account: PaperAccountEntity,
    range: { from: number; to: number; limit: number },
  ): Promise<
    { time: number; cash: number; positionValue: number; equity: number; late: boolean }[]
  > {
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
        account.id,
        range.from,
        Math.min(range.to, 253402300799000),
        account.markets.length,
        range.limit,
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

  private async dto(
    account: PaperAccountEntity,
    options: { compare: boolean },
  ): Promise<PaperAccountDto> {
    const strategy = await this.strategies.get(account.strategyId);
    const books = await this.books(account.id);
    const step = intervalMs(account.interval);
    const series = await this.bookSeries(account, books);
    const stepped = books.every((book) => book.lastOpenTime >= book.startTime);
    const lastCandle = stepped
      ? Math.min(...books.map((book) => book.lastOpenTime.getTime()))
      : null;
    const comparison =
      options.compare && stepped ? await this.comparison(account, strategy, books) : null;
    return Object.assign(new PaperAccountDto(), {
      id: account.id,
      name: account.name,
      strategy: { id: strategy.id, name: strategy.name, version: strategy.version },
      markets: account.markets.map((pair) => this.catalogue.baseOf(pair)),
      interval: account.interval,
      startingCash: account.startingCash,
      feeRate: account.feeRate,
      slippage: account.slippage,
      sizing: account.sizing,
      status: account.status,
      createdAt: account.createdAt,
      closedAt: account.closedAt,
      startTime: new Date(Math.min(...books.map((book) => book.startTime.getTime()))),
      lastCandle: lastCandle === null ? null : new Date(lastCandle),
      lateCandles: books.reduce((total, book) => total + book.lateCandles, 0),
      metrics: combinedMetrics(series, account.startingCash, step),
      buyAndHold: comparison?.buyAndHold ?? null,
      backtest: comparison?.backtest ?? null,
    });
  }

  /** Each market's recorded equity, trades and counters. */
  private async bookSeries(
    account: PaperAccountEntity,
    books: readonly PaperPositionEntity[],
  ): Promise<BookSeries[]> {
    const [equity, trades] = await Promise.all([
      this.dataSource.query(
        `SELECT symbol, ${EPOCH_MS('open_time')} AS open_ms, equity FROM paper_equity
          WHERE account_id = $1 ORDER BY open_time`,
        [account.id],
      ) as Promise<{ symbol: string; open_ms: string; equity: number }[]>,
      this.tradesOf(account, { limit: 1_000_000 }),
    ]);
    return books.map((book) => {
      const base = this.catalogue.baseOf(book.symbol);
      return {
        equity: equity
          .filter((row) => row.symbol === book.symbol)
          .map((row) => ({ time: Number(row.open_ms), equity: row.equity })),
        trades: trades
          .filter((trade) => trade.symbol === base)
          .map((trade) => ({
            ...trade,
            entryTime: trade.entryTime.getTime(),
            exitTime: trade.exitTime.getTime(),
            exitReason: trade.exitReason as Trade['exitReason'],
          })),
        feesPaid: book.feesPaid,
        inMarket: book.inMarket,
        candles: book.candles,
      };
    });
  }

  /** Buy-and-hold and a backtest of the same strategy version over the candles each market stepped. */
  private async comparison(
    account: PaperAccountEntity,
    strategy: StrategyDto,
    books: readonly PaperPositionEntity[],
  ): Promise<{ buyAndHold: PerformanceMetrics; backtest: PerformanceMetrics }> {
    const definition = parseStrategyDefinition(strategy.definition);
    const step = intervalMs(account.interval);
    const replays = await Promise.all(
      books.map((book) =>
        this.backtests.replayStored({
          definition,
          market: { exchange: account.exchange, symbol: book.symbol, interval: account.interval },
          from: book.startTime.getTime(),
          to: book.lastOpenTime.getTime(),
          fill: {
            startingCash: account.startingCash / books.length,
            feeRate: account.feeRate,
            slippage: account.slippage,
            sizing: account.sizing,
          },
        }),
      ),
    );
    const cash = account.startingCash;
    return {
      backtest: combinedMetrics(
        replays.map(({ result, candles }) => ({
          equity: result.equity,
          trades: result.trades,
          feesPaid: result.metrics.feesPaid,
          inMarket: Math.round(result.metrics.exposure * candles.length),
          candles: candles.length,
        })),
        cash,
        step,
      ),
      buyAndHold: combinedMetrics(
        replays.map(({ result, candles }) => ({
          equity: result.buyAndHoldEquity,
          trades: [],
          feesPaid: result.buyAndHold.feesPaid,
          inMarket: candles.length,
          candles: candles.length,
        })),
        cash,
        step,
      ),
    };
  }

  private books(accountId: string): Promise<PaperPositionEntity[]> {
    return this.dataSource
      .getRepository(PaperPositionEntity)
      .find({ where: { accountId }, order: { symbol: 'ASC' } });
  }

  private async find(id: string): Promise<PaperAccountEntity> {
    assertUuid(id, 'id');
    const account = await this.accounts.findOne({ where: { id } });
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
    const matches = await this.accounts
      .createQueryBuilder('a')
      .where('a.name = :key OR a.id::text = lower(:key)', { key: idOrName })
      .getMany();
    const account = matches.find((match) => match.name === idOrName) ?? matches[0];
    if (!account) {
      throw new PaperException('NOT_FOUND', `No paper account ${idOrName.slice(0, 80)}`);
    }
    return account.id;
  }
}

function bookState(book: PaperPositionEntity): BookState {
  return {
    cash: book.cash,
    position: book.position,
    cooldown: book.cooldown,
    feesPaid: book.feesPaid,
    candles: book.candles,
    inMarket: book.inMarket,
  };
}
