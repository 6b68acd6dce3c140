import type { INestApplicationContext } from '@nestjs/common';
import { MAX_TIME_MS } from '../common/time-param';
import type { Candle } from '../market-data/candle';
import { CandlesRepository } from '../market-data/candles.repository';
import { MarketCatalogue } from '../market-data/market-catalogue';
import { readCandleCsv } from '../simulator/candle-series';
import type { FeatureName } from './engine/feature-spec';
import { ModelInputs, type ModelInputSet } from './model-inputs';

/*
 * What runs in the calling process (`evaluate`, `search` and `backtest` of the CLI) read: a stored
 * market's candles and the inputs training jobs gather for it, or a candle CSV.
 */

/**
 * Opens the application for one piece of work and closes it after, so a run reads stored data
 * without holding connections while it trains, and a CSV run never opens it.
 */
export type WithApp = <T>(work: (app: INestApplicationContext) => Promise<T>) => Promise<T>;

/** Where a run's candles come from: a stored market (`symbol`, default BTC) or a CSV file. */
export interface CandleSource {
  symbol?: string;
  interval: string;
  /** open_time_ms,open,high,low,close,volume; instead of the database. */
  csv?: string;
}

/**
 * A model's inputs as training jobs gather them (ModelInputs): a stored market's candles, the
 * sentiment column where a series covers them and other markets' candles; or a candle CSV's
 * candles alone.
 */
export async function sourceModelInputs(
  withApp: WithApp,
  source: CandleSource,
  features: readonly FeatureName[],
): Promise<ModelInputSet> {
  if (source.csv) {
    return { candles: readCandleCsv(source.csv), features: [...features], markets: new Map() };
  }
  const symbol = source.symbol ?? 'BTC';
  return withApp(async (app) =>
    app.get(ModelInputs).gather({
      symbol: app.get(MarketCatalogue).resolveSymbol(symbol),
      interval: source.interval,
      candles: await storedCandles(app, symbol, source.interval),
      features,
      sentiment: 'join',
    }),
  );
}

/** A stored market's candles, oldest first: the newest 200,000 of them. */
export async function storedCandles(
  app: INestApplicationContext,
  symbolInput: string,
  interval: string,
): Promise<Candle[]> {
  const catalogue = app.get(MarketCatalogue);
  const symbol = catalogue.resolveSymbol(symbolInput);
  return app.get(CandlesRepository).find({
    exchange: catalogue.exchange,
    symbol: catalogue.pair(symbol),
    interval: catalogue.resolveInterval(interval),
    from: 0,
    to: MAX_TIME_MS,
    limit: 200_000,
    newest: true,
  });
}
