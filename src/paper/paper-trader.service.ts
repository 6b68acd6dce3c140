import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Candle, MarketKey } from '../market-data/candle';
import {
  CANDLE_CLOSED,
  CANDLES_WRITTEN,
  type CandleClosedEvent,
  type CandlesWrittenEvent,
} from '../market-data/candle-events';
import { SharedRead } from '../common/shared-read';
import { MAX_TIME_MS } from '../common/time-param';
import { CandlesRepository } from '../market-data/candles.repository';
import { MarketCatalogue } from '../market-data/market-catalogue';
import { RedisService } from '../redis/redis.service';
import type { BookState, FillRules } from '../strategy/engine/backtest';
import { BROKER, type Broker } from './broker';
import { bookState, PaperBooksRepository, type OpenBook } from './paper-books.repository';
import { PaperDecisions, type Decided } from './paper-decisions.service';
import { PAPER_ACCOUNT_OPENED, PAPER_TRADE_EXECUTED, type PaperTradeEvent } from './paper-events';
import type { AccountOrder, EquityRow } from './paper-executions.repository';

/** Candles one batch steps at most (a long catch-up takes several batches). */
const BATCH_CANDLES = 500;
/** How often every market with open accounts is swept, for what no event announced. */
const SWEEP_MS = 10_000;

const marketKey = (market: MarketKey) => `${market.exchange}:${market.symbol}:${market.interval}`;

/** What one batch writes. */
class BatchWrites {
  readonly orders: AccountOrder[] = [];
  readonly equity: EquityRow[] = [];
  readonly books: {
    book: OpenBook;
    balances: BookState;
    last: number;
    close: number | null;
    late: number;
  }[] = [];
}

/**
 * In workers: steps every open paper account's book of a market through each closed candle, in
 * order: the decision its strategy version took at the previous close (its stored signal) goes to
 * the broker, then the book's equity at this close is written. One transaction per batch with the
 * books locked (`FOR UPDATE SKIP LOCKED`), and each book's last stepped candle moved with its
 * writes: a retried, duplicated or concurrent batch finds nothing left to do, and a batch killed
 * midway leaves nothing. A decision missing when its candle is filled (a restart, a stream outage)
 * is taken then, from the stored candles and predictions, stored as the signal, and marked late.
 */
@Injectable()
export class PaperTrader implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PaperTrader.name);
  private readonly queues = new Map<string, Promise<void>>();
  private readonly pending = new Set<string>();
  /**
   * The markets with books not closed, read in one query for every market and kept until the
   * next sweep or account opening: most markets of a closing burst have no paper account, and
   * asking each for its books would cost a query per market and event.
   */
  private readonly marketsWithBooks = new SharedRead(
    async () =>
      new Map((await this.books.openMarkets()).map((market) => [marketKey(market), market])),
  );
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    private readonly books: PaperBooksRepository,
    private readonly catalogue: MarketCatalogue,
    private readonly candles: CandlesRepository,
    private readonly inputs: PaperDecisions,
    private readonly redis: RedisService,
    @Inject(BROKER) private readonly broker: Broker,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.redis.subscribe(CANDLE_CLOSED, (message) => {
      const event = JSON.parse(message) as CandleClosedEvent;
      void this.schedule({
        exchange: event.exchange,
        symbol: event.pair,
        interval: event.interval,
      });
    });
    await this.redis.subscribe(CANDLES_WRITTEN, (message) => {
      const event = JSON.parse(message) as CandlesWrittenEvent;
      void this.schedule({
        exchange: event.exchange,
        symbol: event.symbol,
        interval: event.interval,
      });
    });
    await this.redis.subscribe(PAPER_ACCOUNT_OPENED, () => this.marketsWithBooks.drop());
    // Catch up on what happened while no worker ran, then keep sweeping.
    void this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), SWEEP_MS);
    this.sweepTimer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweepTimer);
  }

  /** Every market with an open account, advanced. */
  async sweep(): Promise<void> {
    try {
      this.marketsWithBooks.drop();
      const markets = [...(await this.marketsWithBooks.get()).values()];
      await Promise.all(markets.map((market) => this.schedule(market)));
    } catch (error) {
      this.logger.error(`Paper sweep failed: ${(error as Error).message}`);
    }
  }

  /** Advances a market's accounts after what is queued for it (one run queued at most). */
  schedule(market: MarketKey): Promise<void> {
    const key = `${market.exchange}:${market.symbol}:${market.interval}`;
    if (this.pending.has(key)) {
      return this.queues.get(key) ?? Promise.resolve();
    }
    this.pending.add(key);
    const next = (this.queues.get(key) ?? Promise.resolve())
      .then(() => {
        this.pending.delete(key);
        return this.advance(market);
      })
      .then(
        () => undefined,
        (error: Error) => {
          this.logger.error(
            `Paper accounts of ${market.symbol} ${market.interval}: ${error.message}`,
          );
        },
      );
    this.queues.set(key, next);
    return next;
  }

  /** Steps every open book of a market through the stored candles it has not seen; the candles stepped. */
  async advance(market: MarketKey): Promise<number> {
    if (!(await this.marketsWithBooks.get()).has(marketKey(market))) {
      return 0;
    }
    let stepped = 0;
    for (;;) {
      const batch = await this.advanceBatch(market);
      stepped += batch.stepped;
      if (!batch.full) {
        return stepped;
      }
    }
  }

  /**
   * One batch: what the books need is read first (candles, decisions, taken late where missing,
   * volatilities), then the books are locked, stepped and written in one transaction that uses
   * its own connection only (so batches of many markets at once cannot starve the pool).
   */
  private async advanceBatch(market: MarketKey): Promise<{ stepped: number; full: boolean }> {
    const open = await this.books.open(market);
    if (!open.length) {
      return { stepped: 0, full: false };
    }
    const from = Math.min(...open.map((book) => book.lastOpenTime));
    const candles = await this.candles.find({
      ...market,
      from: from + 1,
      to: MAX_TIME_MS,
      limit: BATCH_CANDLES,
    });
    if (!candles.length) {
      return { stepped: 0, full: false };
    }
    const decisions = await this.inputs.decisions(market, open, from, candles);
    const volatility = await this.inputs.volatilities(market, open, from, candles);
    const events: PaperTradeEvent[] = [];
    const stepped = await this.books.stepLocked(market, (locked) => {
      // Books opened since the reads start in the next batch (nothing was read for them).
      const read = new Set(open.map((book) => book.accountId));
      const writes = new BatchWrites();
      let count = 0;
      for (const book of locked.filter((candidate) => read.has(candidate.accountId))) {
        count += this.stepBook(book, candles, decisions, volatility, writes);
      }
      if (!count) {
        return { value: 0 };
      }
      for (const order of writes.orders) {
        events.push(this.tradeEvent(market, locked, order));
      }
      return {
        value: count,
        writes: {
          orders: writes.orders,
          equity: writes.equity,
          books: writes.books.map((stepped) => ({
            accountId: stepped.book.accountId,
            balances: stepped.balances,
            last: stepped.last,
            close: stepped.close,
            late: stepped.late,
          })),
        },
      };
    });
    await Promise.all(
      events.map((event) => this.redis.publish(PAPER_TRADE_EXECUTED, JSON.stringify(event))),
    );
    return { stepped, full: candles.length === BATCH_CANDLES };
  }

  /** One book through the batch's candles after its last; the candles it stepped. */
  private stepBook(
    book: OpenBook,
    candles: readonly Candle[],
    decisions: Map<string, Map<number, Decided>>,
    volatility: Map<string, Map<number, number | null>>,
    writes: BatchWrites,
  ): number {
    const { guards } = this.inputs.strategy(book.strategyId).definition;
    const rules: FillRules = {
      feeRate: book.feeRate,
      slippage: book.slippage,
      sizing: book.sizing,
      stopLoss: guards.stopLoss,
      takeProfit: guards.takeProfit,
      cooldownCandles: guards.cooldownCandles,
    };
    const start = book.startTime;
    let balances = bookState(book);
    let last = book.lastOpenTime;
    let close = book.lastClose;
    let late = book.lateCandles;
    let count = 0;
    for (const candle of candles) {
      if (candle.openTime <= last) {
        continue;
      }
      // The previous candle's decision; none before the account's first candle.
      const decisionTime = last >= start ? last : null;
      const decided: Decided =
        decisionTime === null
          ? { action: 'HOLD', late: false }
          : (decisions.get(book.strategyId)?.get(decisionTime) ?? { action: 'HOLD', late: true });
      const report = this.broker.execute({
        rules,
        balances,
        candle,
        decision: {
          action: book.status === 'paused' ? 'HOLD' : decided.action,
          decidedAt: decisionTime,
          volatility:
            decisionTime === null
              ? null
              : (volatility.get(book.strategyId)?.get(decisionTime) ?? null),
        },
      });
      balances = report.balances;
      for (const order of report.orders) {
        writes.orders.push({ ...order, id: randomUUID(), accountId: book.accountId });
      }
      const positionValue = (balances.position?.quantity ?? 0) * candle.close;
      writes.equity.push({
        accountId: book.accountId,
        openTime: candle.openTime,
        cash: balances.cash,
        positionValue,
        late: decided.late,
      });
      late += decided.late ? 1 : 0;
      last = candle.openTime;
      close = candle.close;
      count++;
    }
    if (count) {
      writes.books.push({ book, balances, last, close, late });
    }
    return count;
  }

  private tradeEvent(
    market: MarketKey,
    books: readonly OpenBook[],
    order: AccountOrder,
  ): PaperTradeEvent {
    const book = books.find((candidate) => candidate.accountId === order.accountId)!;
    return {
      orderId: order.id,
      accountId: order.accountId,
      accountName: book.accountName,
      strategyId: book.strategyId,
      symbol: this.catalogue.baseOf(market.symbol),
      pair: market.symbol,
      interval: market.interval,
      side: order.side,
      reason: order.reason,
      decisionTime: order.decisionTime,
      fillTime: order.fillTime,
      price: order.price,
      quantity: order.quantity,
      fee: order.fee,
      trade: order.trade,
      executedAt: Date.now(),
    };
  }
}
