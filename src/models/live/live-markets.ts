import { Injectable, Logger } from '@nestjs/common';
import { HotPath } from '../../cluster/hot-path';
import { AppConfig } from '../../config/app-config';
import type { MarketKey } from '../../market-data/candle';
import { MarketCatalogue } from '../../market-data/market-catalogue';
import type { ProductionModel } from './production-models';

/** A market the live path has worked on in this process. */
export interface LiveMarket {
  symbol: string;
  market: MarketKey;
  /** Known once a forecast found the market's production model (kept by `ProductionModels`). */
  production?: ProductionModel;
  queue: Promise<void>;
}

/**
 * The markets that get models, and each one's live work: a market's forecasts run one after the
 * other, so a candle's is never stored or published before the one before it.
 */
@Injectable()
export class LiveMarkets {
  private readonly logger = new Logger(LiveMarkets.name);
  private readonly states = new Map<string, LiveMarket>();

  constructor(
    private readonly config: AppConfig,
    private readonly catalogue: MarketCatalogue,
    private readonly hotPath: HotPath,
  ) {}

  /** Configured markets that get models. */
  get all(): { symbol: string; market: MarketKey }[] {
    const intervals = this.config
      .get('MODEL_INTERVALS')
      .filter((interval) => this.catalogue.intervals.includes(interval));
    return this.catalogue.bases.flatMap((symbol) =>
      intervals.map((interval) => ({
        symbol,
        market: {
          exchange: this.catalogue.exchange,
          symbol: this.catalogue.pair(symbol),
          interval,
        },
      })),
    );
  }

  isModelMarket(event: { exchange: string; interval: string }): boolean {
    return (
      event.exchange === this.catalogue.exchange &&
      (this.config.get('MODEL_INTERVALS') as readonly string[]).includes(event.interval)
    );
  }

  /** The market's state, if any work was queued for it yet. */
  find(market: Pick<MarketKey, 'symbol' | 'interval'>): LiveMarket | undefined {
    return this.states.get(`${market.symbol}:${market.interval}`);
  }

  state(market: MarketKey, symbol: string): LiveMarket {
    const key = `${market.symbol}:${market.interval}`;
    let state = this.states.get(key);
    if (!state) {
      state = { symbol, market, queue: Promise.resolve() };
      this.states.set(key, state);
    }
    return state;
  }

  /** Every market worked on so far, in the order of its first work. */
  worked(): IterableIterator<LiveMarket> {
    return this.states.values();
  }

  /** One market's work in order, ahead of background jobs in this process (HotPath). */
  enqueue(market: MarketKey, symbol: string, work: () => Promise<void>): Promise<void> {
    const state = this.state(market, symbol);
    state.queue = state.queue
      .then(() => this.hotPath.run(work))
      .catch((error: Error) => {
        this.logger.error(
          `Prediction for ${market.symbol} ${market.interval} failed: ${error.message}`,
        );
      });
    return state.queue;
  }
}
