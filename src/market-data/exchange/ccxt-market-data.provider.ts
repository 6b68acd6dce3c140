import type { Exchange } from 'ccxt';
import type { Candle } from '../candle';
import { intervalMs } from '../market-catalogue';
import { BINANCE_MAX_STREAMS_PER_CONNECTION, BinanceKlineStream } from './binance-kline-stream';
import { CcxtKlineStream } from './ccxt-kline-stream';
import { candleFromBinanceRow, candleFromOhlcv, nullableNumber } from './exchange-candle-rows';
import { BINANCE_WEIGHTS, ExchangeRequestPacer } from './exchange-request-pacer';
import {
  ExchangeRequestError,
  ExchangeThrottledError,
  type ExchangeMarket,
  type FetchCandlesParams,
  type ListedMarket,
  type LiveStream,
  type LiveStreamHandlers,
  type MarketDataProvider,
} from './market-data.provider';

export interface CcxtProviderOptions {
  /** A ccxt exchange id: `binanceus`, `binance`, `kraken`, ... */
  exchangeId: string;
  /** Replaces the origin of the exchange's REST API (testnet, proxy, local simulator). */
  restUrl?: string;
  /** Replaces the exchange's websocket base URL. */
  wsUrl?: string;
  /**
   * Binance request-weight budget per minute; requests pause before the budget runs out. Without
   * it, the budget and its window are read from the exchange's `exchangeInfo` rate limits.
   */
  weightLimitPerMinute?: number;
  /** Kline streams per websocket connection (Binance: at most 1,024). */
  maxStreamsPerConnection?: number;
  clock?: () => number;
}

/** Binance-family exchanges whose raw REST and websocket formats this provider speaks itself. */
const BINANCE_FAMILY: Record<string, { ws: string }> = {
  binance: { ws: 'wss://stream.binance.com:9443' },
  binanceus: { ws: 'wss://stream.binance.us:9443' },
};

const BINANCE_MAX_KLINES = 1000;

/**
 * Market data from any ccxt exchange. For Binance and Binance US it calls the raw klines endpoint
 * (all twelve fields, not ccxt's six), paces itself by the `x-mbx-used-weight-1m` header instead
 * of ccxt's fixed throttle, and reads the live stream from Binance's own websocket, which keeps
 * the kline's closed flag that ccxt's `watchOHLCV` drops.
 */
export class CcxtMarketDataProvider implements MarketDataProvider {
  private readonly clock: () => number;
  private readonly binance: boolean;
  private readonly pacer: ExchangeRequestPacer;
  private exchangePromise?: Promise<Exchange>;
  private ohlcvLimit = 500;

  constructor(private readonly options: CcxtProviderOptions) {
    this.clock = options.clock ?? Date.now;
    this.binance = options.exchangeId in BINANCE_FAMILY;
    this.pacer = new ExchangeRequestPacer({
      exchangeName: options.exchangeId,
      weighted: this.binance,
      weightLimitPerMinute: options.weightLimitPerMinute,
      clock: this.clock,
    });
  }

  getName(): string {
    return this.options.exchangeId;
  }

  /**
   * Candles one request returns at most: Binance's 1000, else what ccxt knows of the exchange
   * (coinbase and okx 300, kraken 720, ...; 500 until the exchange is loaded). The backfill takes
   * a shorter page for the end of the data, so a limit set too high stopped it after one page.
   */
  get maxCandlesPerRequest(): number {
    return this.binance ? BINANCE_MAX_KLINES : this.ohlcvLimit;
  }

  /** Epoch ms until which the exchange asked us to stay away (0 when free to call). */
  get blockedUntil(): number {
    return this.pacer.blockedUntil;
  }

  async fetchCandles(params: FetchCandlesParams): Promise<Candle[]> {
    const exchange = await this.exchange();
    const stepMs = intervalMs(params.interval);
    const limit = Math.min(
      this.maxCandlesPerRequest,
      Math.floor((params.to - params.from) / stepMs) + 1,
    );
    if (limit < 1) {
      return [];
    }
    let candles: Candle[];
    try {
      if (this.binance) {
        await this.pacer.learnBudget(
          () =>
            exchange.publicGetExchangeInfo({ symbol: params.symbol }) as Promise<{
              rateLimits?: unknown;
            }>,
        );
        const rows = await this.pacer.paced<unknown[][]>(BINANCE_WEIGHTS.klines, () =>
          exchange.publicGetKlines({
            symbol: params.symbol,
            interval: params.interval,
            startTime: params.from,
            endTime: params.to,
            limit,
          }),
        );
        candles = rows.map(candleFromBinanceRow);
      } else {
        const market = await this.unifiedSymbol(exchange, params.symbol);
        const rows = await this.pacer.paced(1, () =>
          exchange.fetchOHLCV(market, params.interval, params.from, limit),
        );
        candles = rows.map(candleFromOhlcv).filter((candle) => candle.openTime <= params.to);
      }
    } catch (error) {
      throw this.translate(error, `${params.symbol} ${params.interval}`);
    }
    // The exchange includes the candle still forming as the last row; only closed candles count.
    const last = candles[candles.length - 1];
    if (last && last.openTime + stepMs > this.clock()) {
      candles.pop();
    }
    return candles;
  }

  async listMarkets(quote: string): Promise<ListedMarket[]> {
    const exchange = await this.exchange();
    try {
      return this.binance
        ? await this.listBinanceMarkets(exchange, quote)
        : await this.listCcxtMarkets(exchange, quote);
    } catch (error) {
      throw this.translate(error, `the ${quote} markets`);
    }
  }

  streamKlines(markets: readonly ExchangeMarket[], handlers: LiveStreamHandlers): LiveStream {
    if (this.binance) {
      const base = this.options.wsUrl ?? BINANCE_FAMILY[this.options.exchangeId]?.ws ?? '';
      return new BinanceKlineStream({
        baseUrl: base,
        markets,
        handlers,
        clock: this.clock,
        maxStreamsPerConnection:
          this.options.maxStreamsPerConnection ?? BINANCE_MAX_STREAMS_PER_CONNECTION,
      });
    }
    return new CcxtKlineStream({
      exchange: this.exchange(),
      markets,
      handlers,
      resolveSymbol: async (exchange, symbol) => this.unifiedSymbol(exchange, symbol),
    });
  }

  /** `exchangeInfo` (weight 20) and every 24 h ticker (weight 80): two requests for any number of pairs. */
  private async listBinanceMarkets(exchange: Exchange, quote: string): Promise<ListedMarket[]> {
    const info = await this.pacer.paced<{
      rateLimits?: unknown;
      symbols?: Record<string, unknown>[];
    }>(BINANCE_WEIGHTS.exchangeInfo, () => exchange.publicGetExchangeInfo());
    this.pacer.useBudget(info.rateLimits);
    const tickers = await this.pacer.paced<{ symbol?: unknown; quoteVolume?: unknown }[]>(
      BINANCE_WEIGHTS.ticker24hAll,
      () => exchange.publicGetTicker24hr(),
    );
    const volumes = new Map(tickers.map((ticker) => [String(ticker.symbol), ticker.quoteVolume]));
    return (info.symbols ?? [])
      .filter((entry) => entry.quoteAsset === quote && entry.isSpotTradingAllowed !== false)
      .map((entry) => ({
        symbol: String(entry.symbol),
        baseAsset: String(entry.baseAsset),
        quoteAsset: quote,
        trading: entry.status === 'TRADING',
        quoteVolume24h: nullableNumber(volumes.get(String(entry.symbol))),
      }));
  }

  private async listCcxtMarkets(exchange: Exchange, quote: string): Promise<ListedMarket[]> {
    const markets = await exchange.loadMarkets();
    const tickers = exchange.has.fetchTickers ? await exchange.fetchTickers() : {};
    return Object.values(markets)
      .filter((market) => market !== undefined)
      .filter((market) => market.spot && market.quote === quote)
      .map((market) => ({
        symbol: market.id ?? `${market.base}${quote}`,
        baseAsset: market.base,
        quoteAsset: quote,
        trading: market.active !== false,
        quoteVolume24h: nullableNumber(tickers[market.symbol]?.quoteVolume),
      }));
  }

  async close(): Promise<void> {
    if (this.exchangePromise) {
      const exchange = await this.exchangePromise.catch(() => undefined);
      await exchange?.close().catch(() => undefined);
    }
  }

  private exchange(): Promise<Exchange> {
    this.exchangePromise ??= this.createExchange();
    return this.exchangePromise;
  }

  private async createExchange(): Promise<Exchange> {
    // ccxt takes most of a second to load: only processes that talk to the exchange pay for it.
    // A native dynamic import (swc keeps it) loads ccxt's ES module build, whose dependencies are ESM-only.
    const ccxt = await import('ccxt');
    const ExchangeClass = (ccxt.pro as unknown as Record<string, new (config: object) => Exchange>)[
      this.options.exchangeId
    ];
    if (!ExchangeClass) {
      throw new ExchangeRequestError(`ccxt has no exchange ${this.options.exchangeId}`);
    }
    const exchange = new ExchangeClass({
      // Binance paces by its weight header below; other exchanges use ccxt's own throttle.
      enableRateLimit: !this.binance,
      timeout: 20_000,
    });
    if (this.options.restUrl) {
      exchange.urls = {
        ...exchange.urls,
        api: overrideOrigins(exchange.urls.api, this.options.restUrl) as typeof exchange.urls.api,
      };
    }
    if (this.options.wsUrl && !this.binance) {
      const api = exchange.urls.api as Record<string, unknown>;
      exchange.urls = {
        ...exchange.urls,
        api: {
          ...api,
          ws: overrideOrigins(api.ws, this.options.wsUrl),
        },
      };
      if (this.options.wsUrl.startsWith('ws:')) {
        // ccxt refuses plain ws:// (a local simulator, a proxy) until its agent is loaded.
        await exchange.loadHttpProxyAgent();
      }
    }
    const features = exchange.features as
      { spot?: { fetchOHLCV?: { limit?: number } } } | undefined;
    const limit = features?.spot?.fetchOHLCV?.limit;
    if (typeof limit === 'number' && Number.isInteger(limit) && limit > 0) {
      this.ohlcvLimit = limit;
    }
    const onRestResponse = exchange.onRestResponse.bind(exchange);
    exchange.onRestResponse = (status, statusText, url, method, headers, body, ...rest) => {
      this.pacer.observeResponse(status, headers as Record<string, unknown>);
      return onRestResponse(status, statusText, url, method, headers, body, ...rest);
    };
    return exchange;
  }

  private translate(error: unknown, what: string): Error {
    if (error instanceof ExchangeThrottledError) {
      return error;
    }
    const message = error instanceof Error ? error.message : String(error);
    // ccxt's BadSymbol / BadRequest and Binance's -1121 / -1120: retrying will not help.
    const name = error instanceof Error ? error.constructor.name : '';
    if (['BadSymbol', 'BadRequest', 'ArgumentsRequired', 'NotSupported'].includes(name)) {
      return new ExchangeRequestError(`${this.getName()} refused ${what}: ${message}`);
    }
    return error instanceof Error ? error : new Error(message);
  }

  private async unifiedSymbol(exchange: Exchange, pair: string): Promise<string> {
    await exchange.loadMarkets();
    const market = exchange.markets_by_id?.[pair]?.[0];
    if (!market) {
      throw new ExchangeRequestError(`${this.getName()} has no market ${pair}`);
    }
    return market.symbol;
  }
}

/**
 * Points every API URL of the exchange with `baseUrl`'s kind (http(s) for REST, ws(s) for
 * websockets) at `baseUrl`'s origin, keeping the paths.
 */
export function overrideOrigins(api: unknown, baseUrl: string): unknown {
  const origin = new URL(baseUrl);
  const prefix = origin.pathname.replace(/\/$/, '');
  const sameKind = origin.protocol.startsWith('ws') ? /^wss?:\/\// : /^https?:\/\//;
  const rewrite = (value: unknown): unknown => {
    if (typeof value === 'string' && sameKind.test(value)) {
      const url = new URL(value);
      return `${origin.origin}${prefix}${url.pathname}`;
    }
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, rewrite(inner)]));
    }
    return value;
  };
  return rewrite(api);
}
