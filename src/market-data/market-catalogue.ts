import type { Logger } from '@nestjs/common';
import { ValidationException } from '../common/app.exception';
import type { AppConfig } from '../config/app-config';
import { SYMBOL_PATTERN } from '../config/config.schema';
import { AppException } from '../common/app.exception';
import type { RedisService } from '../redis/redis.service';
import type { MarketKey } from './candle';
import type { ListedMarket, MarketDataProvider } from './exchange/market-data.provider';

export class MarketDataException extends AppException {}

const MINUTE_MS = 60_000;

/** Interval name -> length in milliseconds, for every interval the service can keep. */
export const INTERVAL_MS: Record<string, number> = {
  '1m': MINUTE_MS,
  '3m': 3 * MINUTE_MS,
  '5m': 5 * MINUTE_MS,
  '15m': 15 * MINUTE_MS,
  '30m': 30 * MINUTE_MS,
  '1h': 60 * MINUTE_MS,
  '2h': 120 * MINUTE_MS,
  '4h': 240 * MINUTE_MS,
  '6h': 360 * MINUTE_MS,
  '8h': 480 * MINUTE_MS,
  '12h': 720 * MINUTE_MS,
  '1d': 1440 * MINUTE_MS,
};

export function intervalMs(interval: string): number {
  const ms = INTERVAL_MS[interval];
  if (ms === undefined) {
    throw new Error(`Unknown interval ${interval}`);
  }
  return ms;
}

/** How long processes share one resolved `SYMBOLS=*` list through Redis. */
const RESOLVED_SYMBOLS_TTL_MS = 3_600_000;

/** Which listed pairs `SYMBOLS=*` follows, and why the others are left out. */
export interface MarketSelection {
  bases: string[];
  notTrading: number;
  belowVolume: number;
  /** Base assets the service cannot name (lower case, too long). */
  unnamed: number;
}

/**
 * The bases `SYMBOLS=*` follows: pairs of `quote` that are trading, with at least
 * `minQuoteVolume` traded over 24 h (an unknown volume counts only without a floor), sorted.
 */
export function selectMarkets(
  listed: readonly ListedMarket[],
  params: { quote: string; minQuoteVolume: number },
): MarketSelection {
  const selection: MarketSelection = { bases: [], notTrading: 0, belowVolume: 0, unnamed: 0 };
  for (const market of listed) {
    if (market.quoteAsset !== params.quote) {
      continue;
    }
    if (!market.trading) {
      selection.notTrading += 1;
    } else if (
      params.minQuoteVolume > 0 &&
      (market.quoteVolume24h === null || market.quoteVolume24h < params.minQuoteVolume)
    ) {
      selection.belowVolume += 1;
    } else if (!SYMBOL_PATTERN.test(market.baseAsset)) {
      selection.unnamed += 1;
    } else {
      selection.bases.push(market.baseAsset);
    }
  }
  selection.bases = [...new Set(selection.bases)].sort();
  return selection;
}

/** The configured markets: base assets, one quote, and the intervals kept for each. */
export class MarketCatalogue {
  private readonly known: ReadonlySet<string>;
  private readonly basesByPair: ReadonlyMap<string, string>;

  constructor(
    readonly exchange: string,
    readonly bases: readonly string[],
    readonly quote: string,
    readonly intervals: readonly string[],
  ) {
    this.known = new Set(bases);
    this.basesByPair = new Map(bases.map((base) => [this.pair(base), base]));
  }

  /**
   * The markets of EXCHANGE, SYMBOLS, QUOTE and INTERVALS. `SYMBOLS=*` is a question for the
   * exchange: `resolve` answers it at start, or pass the bases it resolved to.
   */
  static fromConfig(config: AppConfig, resolvedBases?: readonly string[]): MarketCatalogue {
    const symbols = config.get('SYMBOLS');
    const bases = symbols === '*' ? resolvedBases : symbols;
    if (!bases) {
      throw new Error(
        'SYMBOLS=* names the markets of the exchange: they are resolved at start (MarketCatalogue.resolve)',
      );
    }
    return new MarketCatalogue(
      config.get('EXCHANGE'),
      bases,
      config.get('QUOTE'),
      config.get('INTERVALS'),
    );
  }

  /**
   * The configured markets; for `SYMBOLS=*`, every trading pair of QUOTE with at least
   * SYMBOLS_MIN_QUOTE_VOLUME from the exchange's listing. The first process to ask stores the
   * list in Redis for an hour, so the api and workers starting together follow the same markets.
   */
  static async resolve(params: {
    config: AppConfig;
    provider: Pick<MarketDataProvider, 'listMarkets' | 'getName'>;
    redis: RedisService;
    logger?: Pick<Logger, 'log'>;
  }): Promise<MarketCatalogue> {
    const { config, provider, redis } = params;
    if (config.get('SYMBOLS') !== '*') {
      return MarketCatalogue.fromConfig(config);
    }
    const quote = config.get('QUOTE');
    const minQuoteVolume = config.get('SYMBOLS_MIN_QUOTE_VOLUME');
    const key = config.redisKey(
      'market-data',
      'symbols',
      config.get('EXCHANGE'),
      quote,
      String(minQuoteVolume),
    );
    const stored = await redis.client.get(key);
    if (stored) {
      return MarketCatalogue.fromConfig(config, JSON.parse(stored) as string[]);
    }
    const selection = selectMarkets(await provider.listMarkets(quote), { quote, minQuoteVolume });
    if (!selection.bases.length) {
      throw new Error(
        `SYMBOLS=*: ${provider.getName()} lists no trading ${quote} pair with a 24 h volume of at least ${minQuoteVolume} ${quote}`,
      );
    }
    params.logger?.log(
      `SYMBOLS=* follows ${selection.bases.length} ${provider.getName()} ${quote} market(s) ` +
        `(left out: ${selection.notTrading} not trading, ${selection.belowVolume} under ${minQuoteVolume} ${quote} in 24 h, ${selection.unnamed} unnamed)`,
    );
    const written = await redis.client.set(
      key,
      JSON.stringify(selection.bases),
      'PX',
      RESOLVED_SYMBOLS_TTL_MS,
      'NX',
    );
    // Another process resolved it first: follow its list.
    const bases =
      written === 'OK'
        ? selection.bases
        : (JSON.parse(
            (await redis.client.get(key)) ?? JSON.stringify(selection.bases),
          ) as string[]);
    return MarketCatalogue.fromConfig(config, bases);
  }

  /** `BTC`, `btc`, `BTCUSDT` and `BTC-USDT` all name the base asset `BTC`; unknown ones are a 404. */
  resolveSymbol(input: string): string {
    const upper = input.trim().toUpperCase().replace(/[-_/]/g, '');
    const base =
      upper.endsWith(this.quote) && upper.length > this.quote.length
        ? upper.slice(0, -this.quote.length)
        : upper;
    if (!this.known.has(base)) {
      const listed =
        this.bases.length > 20
          ? `${this.bases.slice(0, 20).join(', ')} and ${this.bases.length - 20} more`
          : this.bases.join(', ');
      throw new MarketDataException(
        'NOT_FOUND',
        `Unknown symbol ${input.slice(0, 40)}; known symbols: ${listed}`,
        { knownSymbols: this.bases },
      );
    }
    return base;
  }

  /** An interval the service keeps, or a 400 listing the valid ones. */
  resolveInterval(input: string | undefined, field = 'interval'): string {
    const interval = input ?? this.intervals[this.intervals.length - 1] ?? '1h';
    if (!this.intervals.includes(interval)) {
      throw new ValidationException([
        {
          field,
          problem: `must be one of ${this.intervals.join(', ')} (got ${interval.slice(0, 20)})`,
        },
      ]);
    }
    return interval;
  }

  /**
   * A list filter on this exchange from optional `symbol` and `interval` query fields, resolved
   * (an unknown symbol is a 404, an interval not kept a 400); a field left out filters nothing.
   */
  marketFilter(query: { symbol?: string; interval?: string }): {
    exchange: string;
    symbol: string | undefined;
    interval: string | undefined;
  } {
    return {
      exchange: this.exchange,
      symbol: query.symbol === undefined ? undefined : this.pair(this.resolveSymbol(query.symbol)),
      interval: query.interval === undefined ? undefined : this.resolveInterval(query.interval),
    };
  }

  /** Every configured market: each base's pair at each interval, on this exchange. */
  get markets(): MarketKey[] {
    return this.bases.flatMap((base) =>
      this.intervals.map((interval) => ({
        exchange: this.exchange,
        symbol: this.pair(base),
        interval,
      })),
    );
  }

  /** The exchange's pair for a base asset: `BTCUSDT`. */
  pair(base: string): string {
    return `${base}${this.quote}`;
  }

  /** The configured base asset of an exchange pair (`BTCUSDT` -> `BTC`), else the pair itself. */
  baseOf(pair: string): string {
    return this.basesByPair.get(pair) ?? pair;
  }
}
