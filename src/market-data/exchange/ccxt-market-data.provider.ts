import { Logger } from '@nestjs/common';
import type { Exchange, OHLCV } from 'ccxt';
import type { Candle } from '../candle';
import { intervalMs } from '../market';
import { BINANCE_MAX_STREAMS_PER_CONNECTION, BinanceKlineStream } from './binance-kline-stream';
import { CcxtKlineStream } from './ccxt-kline-stream';
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

type CcxtModule = typeof import('ccxt');

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

/** Binance's request-weight limit: `limit` per window, reported in the `header` of every answer. */
interface WeightBudget {
  limit: number;
  windowMs: number;
  /** `x-mbx-used-weight-1m`: the used weight of the current window. */
  header: string;
}

/** Request weights of the Binance endpoints this provider calls (api/v3). */
const BINANCE_WEIGHTS = {
  exchangeInfo: 20,
  /** `ticker/24hr` without a symbol. */
  ticker24hAll: 80,
  /** `klines`, any limit up to 1000. */
  klines: 2,
};

const WINDOW_UNIT_MS: Record<string, { ms: number; letter: string }> = {
  SECOND: { ms: 1000, letter: 's' },
  MINUTE: { ms: 60_000, letter: 'm' },
  HOUR: { ms: 3_600_000, letter: 'h' },
  DAY: { ms: 86_400_000, letter: 'd' },
};

/** The REQUEST_WEIGHT entry of Binance's `exchangeInfo.rateLimits`, as a budget. */
export function weightBudgetOf(rateLimits: unknown): WeightBudget | undefined {
  if (!Array.isArray(rateLimits)) {
    return undefined;
  }
  for (const entry of rateLimits as Record<string, unknown>[]) {
    const unit = WINDOW_UNIT_MS[String(entry.interval)];
    const count = Number(entry.intervalNum);
    const limit = Number(entry.limit);
    if (
      entry.rateLimitType === 'REQUEST_WEIGHT' &&
      unit &&
      Number.isInteger(count) &&
      count > 0 &&
      Number.isFinite(limit) &&
      limit > 0
    ) {
      return {
        limit,
        windowMs: unit.ms * count,
        header: `x-mbx-used-weight-${count}${unit.letter}`,
      };
    }
  }
  return undefined;
}

/** Binance-family exchanges whose raw REST and websocket formats this provider speaks itself. */
const BINANCE_FAMILY: Record<string, { ws: string }> = {
  binance: { ws: 'wss://stream.binance.com:9443' },
  binanceus: { ws: 'wss://stream.binance.us:9443' },
};

const BINANCE_MAX_KLINES = 1000;
/** Pause when this share of the minute's weight budget is used. */
const WEIGHT_HEADROOM = 0.9;
const DEFAULT_RETRY_AFTER_MS = 60_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function headerValue(headers: Record<string, unknown>, name: string): string | undefined {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
}

function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

function nullableNumber(value: unknown): number | null {
  if (value === undefined || value === null || value === '') {
    return null;
  }
  const number = toNumber(value);
  return Number.isFinite(number) ? number : null;
}

/** A Binance REST kline row `[openTime, "o", "h", "l", "c", "v", closeTime, "q", n, "V", "Q", "B"]`. */
export function candleFromBinanceRow(row: unknown[]): Candle {
  return {
    openTime: toNumber(row[0]),
    open: toNumber(row[1]),
    high: toNumber(row[2]),
    low: toNumber(row[3]),
    close: toNumber(row[4]),
    volume: toNumber(row[5]),
    quoteVolume: nullableNumber(row[7]),
    tradeCount: nullableNumber(row[8]),
    takerBuyBaseVolume: nullableNumber(row[9]),
    takerBuyQuoteVolume: nullableNumber(row[10]),
  };
}

function candleFromOhlcv(row: OHLCV): Candle {
  return {
    openTime: toNumber(row[0]),
    open: toNumber(row[1]),
    high: toNumber(row[2]),
    low: toNumber(row[3]),
    close: toNumber(row[4]),
    volume: toNumber(row[5]),
    quoteVolume: null,
    tradeCount: null,
    takerBuyBaseVolume: null,
    takerBuyQuoteVolume: null,
  };
}

/**
 * Market data from any ccxt exchange. For Binance and Binance US it calls the raw klines endpoint
 * (all twelve fields, not ccxt's six), paces itself by the `x-mbx-used-weight-1m` header instead
 * of ccxt's fixed throttle, and reads the live stream from Binance's own websocket, which keeps
 * the kline's closed flag that ccxt's `watchOHLCV` drops.
 */
export class CcxtMarketDataProvider implements MarketDataProvider {
  private readonly logger = new Logger(CcxtMarketDataProvider.name);
  private readonly clock: () => number;
  private readonly binance: boolean;
  private exchangePromise?: Promise<Exchange>;
  /** Shared by every request: nobody calls the exchange before this time. */
  private pause?: ExchangeThrottledError;
  private budget: WeightBudget;
  /** Set once the budget was read from `exchangeInfo` (or given by the options). */
  private budgetKnown?: Promise<void>;
  /** Used weight the exchange last reported, and the budget window that report belongs to. */
  private usedWeight = 0;
  private usedWeightWindow = -1;
  /** Requests sent and not answered yet, and their weight. */
  private inFlightRequests = 0;
  private inFlightWeight = 0;
  private ohlcvLimit = 500;

  constructor(private readonly options: CcxtProviderOptions) {
    this.clock = options.clock ?? Date.now;
    this.binance = options.exchangeId in BINANCE_FAMILY;
    this.budget = {
      limit: options.weightLimitPerMinute ?? 6000,
      windowMs: 60_000,
      header: 'x-mbx-used-weight-1m',
    };
    if (options.weightLimitPerMinute !== undefined) {
      this.budgetKnown = Promise.resolve();
    }
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
    return this.pause && this.pause.retryAt > this.clock() ? this.pause.retryAt : 0;
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
        await this.learnBudget(exchange, params.symbol);
        const rows = (await this.paced(BINANCE_WEIGHTS.klines, () =>
          exchange.publicGetKlines({
            symbol: params.symbol,
            interval: params.interval,
            startTime: params.from,
            endTime: params.to,
            limit,
          }),
        )) as unknown[][];
        candles = rows.map(candleFromBinanceRow);
      } else {
        const market = await this.unifiedSymbol(exchange, params.symbol);
        const rows = await this.paced(1, () =>
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
    const info = (await this.paced(BINANCE_WEIGHTS.exchangeInfo, () =>
      exchange.publicGetExchangeInfo(),
    )) as { rateLimits?: unknown; symbols?: Record<string, unknown>[] };
    this.useBudget(info.rateLimits);
    const tickers = (await this.paced(BINANCE_WEIGHTS.ticker24hAll, () =>
      exchange.publicGetTicker24hr(),
    )) as { symbol?: unknown; quoteVolume?: unknown }[];
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
    const ccxt = (await import('ccxt')) as CcxtModule;
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
        } as typeof exchange.urls.api,
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
      this.observeResponse(status, headers as Record<string, unknown>);
      return onRestResponse(status, statusText, url, method, headers, body, ...rest);
    };
    return exchange;
  }

  /** Records used weight and, on 429 / 418, the pause the exchange asked for. */
  private observeResponse(status: number, headers: Record<string, unknown>): void {
    const now = this.clock();
    const weight = Number(headerValue(headers, this.budget.header));
    if (Number.isFinite(weight)) {
      // Rate-limit windows run on the wall clock, whatever clock decides which candles closed.
      const window = Math.floor(Date.now() / this.budget.windowMs);
      // Answers can arrive out of order within a window; the largest count is the newest.
      this.usedWeight =
        window === this.usedWeightWindow ? Math.max(this.usedWeight, weight) : weight;
      this.usedWeightWindow = window;
    }
    if (status === 429 || status === 418) {
      const seconds = Number(headerValue(headers, 'retry-after'));
      const waitMs =
        Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_RETRY_AFTER_MS;
      const retryAt = Math.max(this.blockedUntil, now + waitMs);
      this.pause = new ExchangeThrottledError(
        status,
        retryAt,
        status === 418
          ? `${this.getName()} banned this IP until ${new Date(retryAt).toISOString()} (HTTP 418)`
          : `${this.getName()} rate limit hit (HTTP 429); retry after ${new Date(retryAt).toISOString()}`,
      );
      throw this.pause;
    }
  }

  /** Reads the weight budget from `exchangeInfo` once (a one-symbol answer), before the first klines. */
  private async learnBudget(exchange: Exchange, symbol: string): Promise<void> {
    this.budgetKnown ??= this.paced(
      BINANCE_WEIGHTS.exchangeInfo,
      () => exchange.publicGetExchangeInfo({ symbol }) as Promise<{ rateLimits?: unknown }>,
    ).then(
      (info) => this.useBudget(info.rateLimits),
      (error: unknown) => {
        this.budgetKnown = undefined;
        if (error instanceof ExchangeThrottledError) {
          throw error;
        }
        this.logger.warn(
          `Could not read ${this.getName()}'s rate limits (${(error as Error).message}); assuming ${this.budget.limit} request weight a minute`,
        );
        this.budgetKnown = Promise.resolve();
      },
    );
    await this.budgetKnown;
  }

  private useBudget(rateLimits: unknown): void {
    const budget = weightBudgetOf(rateLimits);
    if (budget && this.options.weightLimitPerMinute === undefined) {
      if (budget.header !== this.budget.header || budget.limit !== this.budget.limit) {
        this.logger.log(
          `${this.getName()} allows ${budget.limit} request weight per ${budget.windowMs / 1000} s`,
        );
      }
      this.budget = budget;
      this.budgetKnown = Promise.resolve();
    }
  }

  /**
   * Runs one request within the weight budget: waits out a pause the exchange asked for (by
   * throwing it), and waits for the next window while the weight the exchange reported plus the
   * weight in flight would pass 90% of the budget. Until an answer of the current window reports
   * its used weight (other processes on this IP spend it too), one request at a time.
   */
  private async paced<T>(weight: number, call: () => Promise<T>): Promise<T> {
    let warnedWindow = -1;
    for (;;) {
      if (this.pause && this.pause.retryAt > this.clock()) {
        throw this.pause;
      }
      if (!this.binance) {
        break;
      }
      const now = Date.now();
      const { limit, windowMs } = this.budget;
      const window = Math.floor(now / windowMs);
      const known = this.usedWeightWindow === window;
      const used = known ? this.usedWeight : 0;
      const idle = this.inFlightRequests === 0;
      const fits =
        used + this.inFlightWeight + weight <= limit * WEIGHT_HEADROOM || (idle && used === 0);
      if (fits && (known || idle)) {
        break;
      }
      if (fits) {
        await sleep(10);
        continue;
      }
      const waitMs = (window + 1) * windowMs - now + 50;
      if (warnedWindow !== window && idle) {
        warnedWindow = window;
        this.logger.log(
          `Used ${used} of ${limit} request weight this window; pausing ${Math.round(waitMs)} ms`,
        );
      }
      await sleep(Math.min(waitMs, idle ? waitMs : 50));
    }
    this.inFlightRequests += 1;
    this.inFlightWeight += weight;
    try {
      return await call();
    } finally {
      this.inFlightRequests -= 1;
      this.inFlightWeight -= weight;
    }
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
