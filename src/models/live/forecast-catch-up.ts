import { Injectable, Logger } from '@nestjs/common';
import type { MarketKey } from '../../market-data/candle';
import { CandlesRepository } from '../../market-data/candles.repository';
import { MarketCatalogue } from '../../market-data/market-catalogue';
import { ProductionVersions } from '../production-versions';
import { PredictionsRepository } from '../predictions.repository';
import { LiveForecaster } from './live-forecaster';
import { LiveMarkets } from './live-markets';

/** Candles one market's forecasts catch up on per pass (a longer outage takes several). */
const CATCH_UP_BATCH = 500;

/**
 * Forecasts for candles that came with no live event (REST catch-up after a stream outage, or a
 * worker that died during a burst), for the signals' catch-up to decide from.
 */
@Injectable()
export class ForecastCatchUp {
  private readonly logger = new Logger(ForecastCatchUp.name);

  constructor(
    private readonly catalogue: MarketCatalogue,
    private readonly candles: CandlesRepository,
    private readonly productionVersions: ProductionVersions,
    private readonly predictions: PredictionsRepository,
    private readonly markets: LiveMarkets,
    private readonly forecaster: LiveForecaster,
  ) {}

  /**
   * Every stored candle after the production model's newest prediction up to `until`, predicted
   * in order and stored with their realised errors, not published (the signals' catch-up decides
   * them from the rows, marked late). A market without a production model, or whose model has
   * made no prediction yet, has nothing to catch up. Returns how many candles were predicted.
   */
  async catchUp(market: MarketKey, until: number): Promise<number> {
    if (!this.markets.isModelMarket(market)) {
      return 0;
    }
    const symbol = this.catalogue.baseOf(market.symbol);
    let predicted = 0;
    await this.markets.enqueue(market, symbol, async () => {
      const production = await this.productionVersions.of(market);
      const newest = production
        ? await this.predictions.newestOpenTime(production.id, market)
        : undefined;
      if (newest === undefined || newest >= until) {
        return;
      }
      const missed = await this.candles.find({
        ...market,
        from: newest + 1,
        to: until,
        limit: CATCH_UP_BATCH,
      });
      for (const candle of missed) {
        const realised = this.predictions.realise(market, candle.openTime, candle.close);
        await Promise.all([
          realised,
          this.forecaster.predict({
            market,
            symbol,
            openTime: candle.openTime,
            realised,
            publish: false,
          }),
        ]);
        predicted++;
      }
      if (predicted) {
        this.logger.log(
          `Predicted ${predicted} ${market.symbol} ${market.interval} candle(s) late, up to ${new Date(until).toISOString()}`,
        );
      }
    });
    return predicted;
  }

  /** Serves and publishes the newest candle's forecast again (after a catch-up decided it). */
  async publishLatest(market: MarketKey): Promise<void> {
    if (!this.markets.isModelMarket(market)) {
      return;
    }
    const symbol = this.catalogue.baseOf(market.symbol);
    await this.markets.enqueue(market, symbol, () => this.forecaster.refresh(market, symbol));
  }
}
