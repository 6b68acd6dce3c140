import { Injectable } from '@nestjs/common';
import { MarketCatalogue, intervalMs } from '../market-data/market-catalogue';
import { BacktestsService } from '../strategy/backtests.service';
import type { PerformanceMetrics } from '../strategy/engine/backtest';
import { parseStrategyDefinition } from '../strategy/engine/strategy-definition';
import type { StrategyDto } from '../strategy/dto/strategy.dto';
import { StrategiesService } from '../strategy/strategies.service';
import { PaperAccountDto } from './dto/paper.dto';
import { PaperBooksRepository } from './paper-books.repository';
import { PaperEquityRepository } from './paper-equity.repository';
import { combinedMetrics, type BookSeries } from './paper-metrics';
import { PaperTradesRepository } from './paper-trades.repository';
import type { PaperAccountEntity, PaperPositionEntity } from './paper.entities';

/**
 * An account as shown: its terms, its figures from what its books recorded and, when asked,
 * buy-and-hold and the backtest of the same candles to compare with.
 */
@Injectable()
export class PaperAccountFigures {
  constructor(
    private readonly catalogue: MarketCatalogue,
    private readonly strategies: StrategiesService,
    private readonly backtests: BacktestsService,
    private readonly books: PaperBooksRepository,
    private readonly equity: PaperEquityRepository,
    private readonly trades: PaperTradesRepository,
  ) {}

  async describe(
    account: PaperAccountEntity,
    options: { compare: boolean },
  ): Promise<PaperAccountDto> {
    const strategy = await this.strategies.get(account.strategyId);
    const books = await this.books.forAccount(account.id);
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
      this.equity.perMarket(account.id),
      this.trades.list(account.id, { offset: 0, limit: 1_000_000 }),
    ]);
    return books.map((book) => ({
      equity: equity
        .filter((point) => point.symbol === book.symbol)
        .map((point) => ({ time: point.time, equity: point.equity })),
      trades: trades.filter((trade) => trade.symbol === book.symbol),
      feesPaid: book.feesPaid,
      inMarket: book.inMarket,
      candles: book.candles,
    }));
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
}
