import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import type { Candle, MarketKey } from '../market-data/candle';
import {
  CANDLE_CLOSED,
  CANDLES_WRITTEN,
  type CandleClosedEvent,
  type CandlesWrittenEvent,
} from '../market-data/candle-events';
import { MAX_TIME_MS } from '../common/time-param';
import { CandlesRepository } from '../market-data/candles.repository';
import { MarketCatalogue, intervalMs } from '../market-data/market';
import { PredictionsRepository, type StoredPrediction } from '../models/predictions.repository';
import { RedisService } from '../redis/redis.service';
import type { BookState, FillRules } from '../strategy/engine/backtest';
import type { Action } from '../strategy/engine/rule-evaluation';
import {
  needsModel,
  parseStrategyDefinition,
  type PositionSizing,
  type StrategyDefinition,
} from '../strategy/engine/strategy-definition';
import { predictedVolatilities } from '../strategy/engine/strategy-inputs';
import { SignalDecider, storedPrediction } from '../strategy/live/signal-decider';
import { BROKER, type Broker } from './broker';
import { PAPER_TRADE_EXECUTED, type PaperTradeEvent } from './paper-events';
import { writeExecutions, type AccountOrder, type EquityRow } from './paper-writes';

/** Candles one batch steps at most (a long catch-up takes several batches). */
const BATCH_CANDLES = 500;
/** Candles before a batch for the EWMA volatility volatility sizing reads (0.94^1500 ~ 1e-40). */
const VOLATILITY_SEED = 1500;
/** How often every market with open accounts is swept, for what no event announced. */
const SWEEP_MS = 10_000;

/** The open books of a market that have candles to step, with their accounts' terms. */
const BOOKS_SQL = `SELECT p.account_id, a.name, p.symbol, a.strategy_id, a.status, a.fee_rate, a.slippage, a.sizing,
        (extract(epoch FROM p.start_time) * 1000)::bigint AS start_ms,
        (extract(epoch FROM p.last_open_time) * 1000)::bigint AS last_ms,
        p.last_close, p.cash, p.position, p.cooldown, p.fees_paid, p.candles, p.in_market, p.late_candles
   FROM paper_positions p JOIN paper_accounts a ON a.id = p.account_id
  WHERE a.exchange = $1 AND p.symbol = $2 AND a.interval = $3 AND a.status <> 'closed'
  ORDER BY p.account_id`;

/** A book row of one batch, with its account's terms. */
interface BookRow {
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

/** A decision a book fills: the live path's, or one taken late by catch-up. */
interface Decided {
  action: Action;
  late: boolean;
}

/** What one batch writes. */
class BatchWrites {
  readonly orders: AccountOrder[] = [];
  readonly equity: EquityRow[] = [];
  readonly books: {
    row: BookRow;
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
  private readonly strategies = new Map<
    string,
    { id: string; name: string; version: number; definition: StrategyDefinition }
  >();
  private sweepTimer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly catalogue: MarketCatalogue,
    private readonly candles: CandlesRepository,
    private readonly predictions: PredictionsRepository,
    private readonly decider: SignalDecider,
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
      const markets: { exchange: string; symbol: string; interval: string }[] =
        await this.dataSource.query(
          `SELECT DISTINCT a.exchange, p.symbol, a.interval
             FROM paper_positions p JOIN paper_accounts a ON a.id = p.account_id
            WHERE a.status <> 'closed'`,
        );
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
    const params = [market.exchange, market.symbol, market.interval];
    const open: BookRow[] = await this.dataSource.query(BOOKS_SQL, params);
    if (!open.length) {
      return { stepped: 0, full: false };
    }
    const from = Math.min(...open.map((row) => Number(row.last_ms)));
    const candles = await this.candles.find({
      ...market,
      from: from + 1,
      to: MAX_TIME_MS,
      limit: BATCH_CANDLES,
    });
    if (!candles.length) {
      return { stepped: 0, full: false };
    }
    const decisions = await this.decisions(market, open, from, candles);
    const volatility = await this.volatilities(market, open, from, candles);
    const events: PaperTradeEvent[] = [];
    const stepped = await this.dataSource.transaction(async (manager) => {
      const locked: BookRow[] = await manager.query(
        `${BOOKS_SQL} FOR UPDATE OF p SKIP LOCKED`,
        params,
      );
      // Books opened since the reads start in the next batch (nothing was read for them).
      const read = new Set(open.map((row) => row.account_id));
      const writes = new BatchWrites();
      let count = 0;
      for (const row of locked.filter((book) => read.has(book.account_id))) {
        count += this.stepBook(row, candles, decisions, volatility, writes);
      }
      if (!count) {
        return 0;
      }
      await writeExecutions(manager, market.symbol, {
        orders: writes.orders,
        equity: writes.equity,
        books: writes.books.map((book) => ({
          accountId: book.row.account_id,
          balances: book.balances,
          last: book.last,
          close: book.close,
          late: book.late,
        })),
      });
      for (const order of writes.orders) {
        events.push(this.tradeEvent(market, locked, order));
      }
      return count;
    });
    await Promise.all(
      events.map((event) => this.redis.publish(PAPER_TRADE_EXECUTED, JSON.stringify(event))),
    );
    return { stepped, full: candles.length === BATCH_CANDLES };
  }

  /** One book through the batch's candles after its last; the candles it stepped. */
  private stepBook(
    row: BookRow,
    candles: readonly Candle[],
    decisions: Map<string, Map<number, Decided>>,
    volatility: Map<string, Map<number, number | null>>,
    writes: BatchWrites,
  ): number {
    const rules: FillRules = {
      feeRate: row.fee_rate,
      slippage: row.slippage,
      sizing: row.sizing,
      ...this.guards(row.strategy_id),
    };
    const start = Number(row.start_ms);
    let balances: BookState = {
      cash: row.cash,
      position: row.position,
      cooldown: row.cooldown,
      feesPaid: row.fees_paid,
      candles: row.candles,
      inMarket: row.in_market,
    };
    let last = Number(row.last_ms);
    let close = row.last_close;
    let late = row.late_candles;
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
          : (decisions.get(row.strategy_id)?.get(decisionTime) ?? { action: 'HOLD', late: true });
      const report = this.broker.execute({
        rules,
        balances,
        candle,
        decision: {
          action: row.status === 'paused' ? 'HOLD' : decided.action,
          decidedAt: decisionTime,
          volatility:
            decisionTime === null
              ? null
              : (volatility.get(row.strategy_id)?.get(decisionTime) ?? null),
        },
      });
      balances = report.balances;
      for (const order of report.orders) {
        writes.orders.push({ ...order, id: randomUUID(), accountId: row.account_id });
      }
      const positionValue = (balances.position?.quantity ?? 0) * candle.close;
      writes.equity.push({
        accountId: row.account_id,
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
      writes.books.push({ row, balances, last, close, late });
    }
    return count;
  }

  /** The strategies' decisions at the batch's decision candles: stored, else taken now (late). */
  private async decisions(
    market: MarketKey,
    rows: readonly BookRow[],
    from: number,
    candles: readonly Candle[],
  ): Promise<Map<string, Map<number, Decided>>> {
    const ids = [...new Set(rows.map((row) => row.strategy_id))];
    await this.loadStrategies(ids);
    // Decisions are read at the candle before each stepped one: `from` and all but the last.
    const times = [from, ...candles.slice(0, -1).map((candle) => candle.openTime)];
    const stored: {
      strategy_id: string;
      open_ms: string;
      action: Action;
      late_ms: string | null;
    }[] = await this.dataSource.query(
      `SELECT strategy_id, (extract(epoch FROM open_time) * 1000)::bigint AS open_ms, action, late_ms
           FROM signals
          WHERE strategy_id = ANY($1) AND exchange = $2 AND symbol = $3 AND interval = $4
            AND open_time >= to_timestamp($5 / 1000.0) AND open_time <= to_timestamp($6 / 1000.0)`,
      [ids, market.exchange, market.symbol, market.interval, from, times[times.length - 1]],
    );
    const decisions = new Map<string, Map<number, Decided>>(ids.map((id) => [id, new Map()]));
    for (const signal of stored) {
      decisions.get(signal.strategy_id)!.set(Number(signal.open_ms), {
        action: signal.action,
        // Taken by catch-up (this trader's or the signals' own) rather than at the close.
        late: signal.late_ms !== null,
      });
    }
    let predictions: Map<number, StoredPrediction> | undefined;
    for (const id of ids) {
      const strategy = this.strategies.get(id)!;
      const start = Math.min(
        ...rows.filter((row) => row.strategy_id === id).map((row) => Number(row.start_ms)),
      );
      for (const time of times) {
        if (time < start || decisions.get(id)!.has(time)) {
          continue;
        }
        if (needsModel(strategy.definition) && !predictions) {
          predictions = await this.predictions.forRange(market, from, times[times.length - 1]!);
        }
        const prediction = predictions?.get(time);
        const action = await this.decider.decide({
          strategy,
          definition: strategy.definition,
          market,
          symbol: this.catalogue.baseOf(market.symbol),
          openTime: time,
          prediction: prediction ? storedPrediction(prediction) : null,
          lateMs: Math.max(0, Date.now() - (time + intervalMs(market.interval))),
        });
        decisions.get(id)!.set(time, { action: action ?? 'HOLD', late: true });
      }
    }
    return decisions;
  }

  /**
   * The one-candle volatility predicted at each decision candle, for the strategies of books sized
   * by volatility: the stored prediction's, else the EWMA of the candles (as backtests read it).
   */
  private async volatilities(
    market: MarketKey,
    rows: readonly BookRow[],
    from: number,
    candles: readonly Candle[],
  ): Promise<Map<string, Map<number, number | null>>> {
    const ids = [
      ...new Set(rows.filter((row) => row.sizing.kind === 'volatility').map((r) => r.strategy_id)),
    ];
    const result = new Map<string, Map<number, number | null>>();
    if (!ids.length) {
      return result;
    }
    const seed = await this.candles.find({
      ...market,
      from: 0,
      to: from,
      limit: VOLATILITY_SEED,
      newest: true,
    });
    const series = [...seed, ...candles];
    const predictions = await this.predictions.forRange(
      market,
      series[0]!.openTime,
      candles[candles.length - 1]!.openTime,
    );
    for (const id of ids) {
      const values = predictedVolatilities({
        definition: this.strategies.get(id)!.definition,
        candles: series,
        predictions,
      });
      result.set(id, new Map(series.map((candle, i) => [candle.openTime, values[i] ?? null])));
    }
    return result;
  }

  private guards(strategyId: string): Omit<FillRules, 'feeRate' | 'slippage' | 'sizing'> {
    const { guards } = this.strategies.get(strategyId)!.definition;
    return {
      stopLoss: guards.stopLoss,
      takeProfit: guards.takeProfit,
      cooldownCandles: guards.cooldownCandles,
    };
  }

  /** Strategy versions by id (a version never changes, so they are kept). */
  private async loadStrategies(ids: readonly string[]): Promise<void> {
    const missing = ids.filter((id) => !this.strategies.has(id));
    if (!missing.length) {
      return;
    }
    const rows: { id: string; name: string; version: number; definition: unknown }[] =
      await this.dataSource.query(
        `SELECT id, name, version, definition FROM strategies WHERE id = ANY($1)`,
        [missing],
      );
    for (const row of rows) {
      this.strategies.set(row.id, {
        id: row.id,
        name: row.name,
        version: row.version,
        definition: parseStrategyDefinition(row.definition),
      });
    }
  }

  private tradeEvent(
    market: MarketKey,
    rows: readonly BookRow[],
    order: AccountOrder,
  ): PaperTradeEvent {
    const row = rows.find((r) => r.account_id === order.accountId)!;
    return {
      orderId: order.id,
      accountId: order.accountId,
      accountName: row.name,
      strategyId: row.strategy_id,
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
