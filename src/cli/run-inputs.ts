import { MarketCatalogue } from '../market-data/market-catalogue';
import type { FeatureContext } from '../models/engine/feature-spec';
import { featureContext } from '../models/model-inputs';
import type { CliContext } from './cli-context';

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
