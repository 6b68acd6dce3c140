import { DataSource } from 'typeorm';
import type { Candle } from '../../src/market-data/candle';
import { api, type Api, type Schema } from './api';
import { LiveMarket } from './live-market-fixtures';
import { runBacktest } from './strategy-fixtures';
import { waitFor } from './wait-for';

/** Buys below RSI 50, sells above: it trades every few candles on a choppy series. */
const CHOPPY_RSI = {
  rules: [
    { input: 'rsi', condition: { op: '<', value: 50 }, weight: 1 },
    { input: 'rsi', condition: { op: '>', value: 50 }, weight: -1 },
  ],
  thresholds: { buy: 0.5, sell: -0.5 },
  guards: { stopLoss: 0.015, cooldownCandles: 1 },
};

/** Moves of the candles closed live: deterministic, choppy, sometimes through the stop. */
function change(i: number): number {
  return [0.012, -0.009, 0.004, -0.021, 0.017, -0.006, 0.002, -0.013, 0.009, 0.0][i % 10]!;
}

interface Trade {
  entryTime: number | string;
  exitTime: number | string;
  entryPrice: number;
  exitPrice: number;
  quantity: number;
  profit: number;
  exitReason: string;
}

/** A trade with its times as epoch ms (REST gives paper trades ISO strings, backtest trades numbers). */
export function withEpochTimes<T extends Trade>(trade: T) {
  return {
    ...trade,
    entryTime: new Date(trade.entryTime).getTime(),
    exitTime: new Date(trade.exitTime).getTime(),
  };
}

/** The fields a paper trade and a backtest trade share, times as epoch ms. */
function normalised(trade: Trade) {
  const { entryTime, exitTime } = withEpochTimes(trade);
  return {
    entryTime,
    exitTime,
    entryPrice: trade.entryPrice,
    exitPrice: trade.exitPrice,
    quantity: trade.quantity,
    profit: trade.profit,
    exitReason: trade.exitReason,
  };
}

/**
 * A live BTC market with the strategy `choppy-rsi`, whose candles close live with the same
 * deterministic moves in every suite (each suite has its own market, so the series an account
 * sees does not depend on what other tests closed).
 */
export class PaperTradingMarket {
  /** Candles closed live so far (the index of the next move). */
  private moves = 0;

  private constructor(readonly market: LiveMarket) {}

  /** Opens the market and creates `choppy-rsi`. */
  static async open(label: string): Promise<PaperTradingMarket> {
    const floor = new PaperTradingMarket(await LiveMarket.open({ label }));
    const strategy = await floor.admin().post('/admin/strategies', {
      body: { name: 'choppy-rsi', definition: CHOPPY_RSI },
    });
    expect(strategy.status).toBe(201);
    return floor;
  }

  get last(): Candle {
    return this.market.last;
  }

  /** The current app's data source (a new one after a restart). */
  dataSource(): DataSource {
    return this.market.t.app.get(DataSource);
  }

  as(key: string): Api {
    return api(this.market.t, { key });
  }

  admin(): Api {
    return this.market.http;
  }

  /** Closes the next candle on the simulator without waiting for anything (the stream may be down). */
  closeUnwatched(): Promise<Candle> {
    return this.market.closeNext(change(this.moves++));
  }

  /** Closes the next candle live and waits for the strategy's signal on it. */
  async closeLive(strategyId: string): Promise<Candle> {
    const candle = await this.closeUnwatched();
    await waitFor(
      async () => {
        const rows: unknown[] = await this.dataSource().query(
          `SELECT 1 FROM signals WHERE strategy_id = $1 AND open_time = to_timestamp($2 / 1000.0)`,
          [strategyId, candle.openTime],
        );
        return rows.length ? true : undefined;
      },
      { what: `the signal at ${new Date(candle.openTime).toISOString()}` },
    );
    return candle;
  }

  /** Waits until every market of the account stepped `openTime`. */
  async stepped(accountId: string, openTime: number, timeoutMs = 15_000): Promise<void> {
    await waitFor(
      async () => {
        const positions = (await this.admin().get(`/paper-accounts/${accountId}/positions`)).body;
        return positions.every((p) => p.lastCandle && Date.parse(p.lastCandle) >= openTime)
          ? true
          : undefined;
      },
      { what: 'the account to step the last candle', timeoutMs },
    );
  }

  /**
   * The account's trades next to a backtest job's over the same candles and terms, checked to be
   * the same: `candles` decided, at least four trades, the same trades and final equity.
   */
  async againstBacktest(accountId: string, expected: { candles: number }) {
    const admin = this.admin();
    const account = (await admin.get(`/paper-accounts/${accountId}`)).body;
    const { id, backtest } = await runBacktest(admin, {
      body: {
        strategy: account.strategy.id,
        symbol: 'BTC',
        from: account.startTime,
        to: account.lastCandle ?? undefined,
        startingCash: account.startingCash,
        feeRate: account.feeRate,
        slippage: account.slippage,
        sizing: account.sizing as Schema<'CreateBacktestDto'>['sizing'],
        walkForward: false,
      },
      what: 'the backtest',
      timeoutMs: 30_000,
    });
    const backtestTrades = (await admin.get(`/backtests/${id}/trades`)).body;
    const paperTrades = (await admin.get(`/paper-accounts/${accountId}/trades`)).body;
    expect(backtest.result.candles).toBe(expected.candles);
    expect(paperTrades.length).toBeGreaterThanOrEqual(4);
    expect(paperTrades.map(normalised)).toEqual(backtestTrades.map(normalised));
    expect(account.metrics.finalEquity).toBe(backtest.result.strategy.finalEquity);
    return { account, backtest, paperTrades };
  }

  close(): Promise<void> {
    return this.market.close();
  }
}
