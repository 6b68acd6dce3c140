import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { MarketShards } from '../../cluster/market-shards.service';
import type { CandlesWrittenEvent } from '../../market-data/candle-events';
import { MarketCatalogue } from '../../market-data/market-catalogue';
import { LiveForecaster } from './live-forecaster';
import { LiveMarkets } from './live-markets';
import { TrainingChecks } from './training-checks';

/**
 * New candles in a model market that serves no model yet (a backfill landing): its baseline
 * forecast is brought up to date within a second, and at most every 30 s a check runs whether
 * it has enough candles for its first model.
 */
@Injectable()
export class BackfillForecasts implements OnModuleDestroy {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly catalogue: MarketCatalogue,
    private readonly shards: MarketShards,
    private readonly markets: LiveMarkets,
    private readonly forecaster: LiveForecaster,
    private readonly trainingChecks: TrainingChecks,
  ) {}

  onModuleDestroy(): void {
    this.timers.forEach((timer) => clearTimeout(timer));
    this.timers.clear();
  }

  onCandlesWritten(event: CandlesWrittenEvent): void {
    if (!this.markets.isModelMarket(event)) {
      return;
    }
    if (this.markets.find(event)?.production) {
      return;
    }
    const key = `${event.symbol}:${event.interval}`;
    if (!event.candle && !this.timers.has(key) && this.shards.owns(event)) {
      // A batch (the live path's single candles are forecast on candle.closed).
      const market = { exchange: event.exchange, symbol: event.symbol, interval: event.interval };
      const symbol = this.catalogue.baseOf(event.symbol);
      const timer = setTimeout(() => {
        this.timers.delete(key);
        void this.markets.enqueue(market, symbol, () =>
          this.forecaster.refresh(market, symbol, false),
        );
      }, 1000);
      timer.unref();
      this.timers.set(key, timer);
    }
    this.trainingChecks.afterWrite();
  }
}
