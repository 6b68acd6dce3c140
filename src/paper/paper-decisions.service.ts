import { Injectable } from '@nestjs/common';
import type { Candle, MarketKey } from '../market-data/candle';
import { CandlesRepository } from '../market-data/candles.repository';
import { MarketCatalogue, intervalMs } from '../market-data/market-catalogue';
import { PredictionsRepository, type StoredPrediction } from '../models/predictions.repository';
import type { Action } from '../strategy/engine/rule-evaluation';
import {
  needsModel,
  parseStrategyDefinition,
  type StrategyDefinition,
} from '../strategy/engine/strategy-definition';
import { predictedVolatilities } from '../strategy/engine/strategy-inputs';
import { SignalDecider, storedPrediction } from '../strategy/live/signal-decider';
import { SignalsRepository } from '../strategy/signals.repository';
import { StrategiesRepository } from '../strategy/strategies.repository';
import type { OpenBook } from './paper-books.repository';

/** Candles before a batch for the EWMA volatility volatility sizing reads (0.94^1500 ~ 1e-40). */
const VOLATILITY_SEED = 1500;

/** A decision a book fills: the live path's, or one taken late by catch-up. */
export interface Decided {
  action: Action;
  late: boolean;
}

/** A strategy version as the trader follows it. */
export interface FollowedStrategy {
  id: string;
  name: string;
  version: number;
  definition: StrategyDefinition;
}

/**
 * What the paper trader's books read at a batch's decision candles: the strategies' decisions
 * (stored, else taken now and marked late) and the volatility that sizing by volatility reads.
 */
@Injectable()
export class PaperDecisions {
  private readonly strategies = new Map<string, FollowedStrategy>();

  constructor(
    private readonly catalogue: MarketCatalogue,
    private readonly candles: CandlesRepository,
    private readonly predictions: PredictionsRepository,
    private readonly signals: SignalsRepository,
    private readonly strategyVersions: StrategiesRepository,
    private readonly decider: SignalDecider,
  ) {}

  /** A strategy version read by `decisions` (for its guards). */
  strategy(id: string): FollowedStrategy {
    const strategy = this.strategies.get(id);
    if (!strategy) {
      throw new Error(`Strategy ${id} was not loaded for this batch`);
    }
    return strategy;
  }

  /** The strategies' decisions at the batch's decision candles: stored, else taken now (late). */
  async decisions(
    market: MarketKey,
    books: readonly OpenBook[],
    from: number,
    candles: readonly Candle[],
  ): Promise<Map<string, Map<number, Decided>>> {
    const ids = [...new Set(books.map((book) => book.strategyId))];
    await this.loadStrategies(ids);
    // Decisions are read at the candle before each stepped one: `from` and all but the last.
    const times = [from, ...candles.slice(0, -1).map((candle) => candle.openTime)];
    const to = times[times.length - 1]!;
    const stored = await this.signals.decisionsBetween({ strategyIds: ids, market, from, to });
    const decisions = new Map<string, Map<number, Decided>>(ids.map((id) => [id, new Map()]));
    for (const signal of stored) {
      decisions.get(signal.strategyId)!.set(signal.openTime, {
        action: signal.action,
        // Taken by catch-up (this trader's or the signals' own) rather than at the close.
        late: signal.late,
      });
    }
    let predictions: Map<number, StoredPrediction> | undefined;
    for (const id of ids) {
      const strategy = this.strategy(id);
      const start = Math.min(
        ...books.filter((book) => book.strategyId === id).map((book) => book.startTime),
      );
      for (const time of times) {
        if (time < start || decisions.get(id)!.has(time)) {
          continue;
        }
        if (needsModel(strategy.definition) && !predictions) {
          predictions = await this.predictions.forRange(market, from, to);
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
        if (!action) {
          // The batch read this candle from the table: it is stored. Fail the batch (it is redone)
          // rather than record a HOLD the strategy never decided.
          throw new Error(
            `No decision of strategy ${id} at ${new Date(time).toISOString()} for ${market.symbol} ${market.interval}: its candle is not stored`,
          );
        }
        decisions.get(id)!.set(time, { action, late: true });
      }
    }
    return decisions;
  }

  /**
   * The one-candle volatility predicted at each decision candle, for the strategies of books sized
   * by volatility: the stored prediction's, else the EWMA of the candles (as backtests read it).
   */
  async volatilities(
    market: MarketKey,
    books: readonly OpenBook[],
    from: number,
    candles: readonly Candle[],
  ): Promise<Map<string, Map<number, number | null>>> {
    const ids = [
      ...new Set(
        books.filter((book) => book.sizing.kind === 'volatility').map((book) => book.strategyId),
      ),
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
        definition: this.strategy(id).definition,
        candles: series,
        predictions,
      });
      result.set(id, new Map(series.map((candle, i) => [candle.openTime, values[i] ?? null])));
    }
    return result;
  }

  /** Strategy versions by id (a version never changes, so they are kept). */
  private async loadStrategies(ids: readonly string[]): Promise<void> {
    const missing = ids.filter((id) => !this.strategies.has(id));
    if (!missing.length) {
      return;
    }
    for (const row of await this.strategyVersions.versions(missing)) {
      this.strategies.set(row.id, {
        id: row.id,
        name: row.name,
        version: row.version,
        definition: parseStrategyDefinition(row.definition),
      });
    }
  }
}
