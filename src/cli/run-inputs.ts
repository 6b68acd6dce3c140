import type { INestApplicationContext } from '@nestjs/common';
import { MAX_TIME_MS } from '../common/time-param';
import type { Candle } from '../market-data/candle';
import { CandlesRepository } from '../market-data/candles.repository';
import { MarketCatalogue } from '../market-data/market-catalogue';
import type { FeatureContext, FeatureName } from '../models/engine/feature-spec';
import { ModelInputs, featureContext, type ModelInputSet } from '../models/model-inputs';
import { readCandleCsv } from '../simulator/candle-series';
import type { CliContext } from './cli-context';

/*
 * What the in-process runs (`evaluate`, `search`, `backtest`) read: a stored market's candles and
 * the inputs training jobs gather for it, or a candle CSV.
 */

/** Where a command's candles come from: a stored market (`--symbol`, default BTC) or `--csv`. */
export interface CandleSourceOptions {
  symbol?: string;
  interval: string;
  csv?: string;
}

/** The markets the service follows: from SYMBOLS, or (`SYMBOLS=*`) as the service resolved them. */
async function catalogueOf(cli: CliContext): Promise<MarketCatalogue> {
  return cli.config.get('SYMBOLS') === '*'
    ? cli.withApp(async (app) => app.get(MarketCatalogue))
    : MarketCatalogue.fromConfig(cli.config);
}

/**
 * Where `--features` are checked: a stored market's inputs may read the catalogue's other
 * markets; a candle CSV has no other markets, so `BTC/...` inputs are refused there.
 */
export async function cliFeatureContext(
  cli: CliContext,
  options: { symbol?: string; csv?: string },
): Promise<FeatureContext> {
  if (options.csv) {
    return {};
  }
  const catalogue = await catalogueOf(cli);
  return featureContext(catalogue, catalogue.resolveSymbol(options.symbol ?? 'BTC'));
}

/**
 * A model's inputs as training jobs gather them (ModelInputs): a stored market's candles, the
 * sentiment column where a series covers them and other markets' candles; or a candle CSV's
 * candles alone.
 */
export async function cliModelInputs(
  cli: CliContext,
  options: CandleSourceOptions,
  features: readonly FeatureName[],
): Promise<ModelInputSet> {
  if (options.csv) {
    return { candles: readCandleCsv(options.csv), features: [...features], markets: new Map() };
  }
  const symbol = options.symbol ?? 'BTC';
  return cli.withApp(async (app) =>
    app.get(ModelInputs).gather({
      symbol: app.get(MarketCatalogue).resolveSymbol(symbol),
      interval: options.interval,
      candles: await storedCandles(app, symbol, options.interval),
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
