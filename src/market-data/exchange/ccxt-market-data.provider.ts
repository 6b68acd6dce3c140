import { Logger } from '@nestjs/common';
import type { Exchange, OHLCV } from 'ccxt';
import type { Candle } from '../candle';
import { intervalMs } from '../market';
import { BinanceKlineStream } from './binance-kline-stream';
import { CcxtKlineStream } from './ccxt-kline-stream';
import {
  ExchangeRequestError,
  ExchangeThrottledError,
  type ExchangeMarket,
  type FetchCandlesParams,
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
  /** Binance request-weight budget per minute; requests pause before the budget runs out. */
  weightLimitPerMinute?: number;
  clock?: () => number;
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
  private usedWeight = 0;
  private usedWeightMinute = 0;
  private ohlcvLimit = 500;

  constructor(private readonly options: CcxtProviderOptions) {
    this.clock = options.clock ?? Date.now;
    this.binance = options.exchangeId in BINANCE_FAMILY;
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
    await this.waitForBudget();
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
        const rows = (await exchange.publicGetKlines({
          symbol: params.symbol,
          interval: params.interval,
          startTime: params.from,
          endTime: params.to,
          limit,
        })) as unknown[][];
        candles = rows.map(candleFromBinanceRow);
      } else {
        const market = await this.unifiedSymbol(exchange, params.symbol);
        const rows = await exchange.fetchOHLCV(market, params.interval, params.from, limit);
        candles = rows.map(candleFromOhlcv).filter((candle) => candle.openTime <= params.to);
      }
    } catch (error) {
      throw this.translate(error, params);
    }
    // The exchange includes the candle still forming as the last row; only closed candles count.
    const last = candles[candles.length - 1];
    if (last && last.openTime + stepMs > this.clock()) {
      candles.pop();
    }
    return candles;
  }

  streamKlines(markets: readonly ExchangeMarket[], handlers: LiveStreamHandlers): LiveStream {
    if (this.binance) {
      const base = this.options.wsUrl ?? BINANCE_FAMILY[this.options.exchangeId]?.ws ?? '';
      return new BinanceKlineStream({ baseUrl: base, markets, handlers, clock: this.clock });
    }
    return new CcxtKlineStream({
      exchange: this.exchange(),
      markets,
      handlers,
      resolveSymbol: async (exchange, symbol) => this.unifiedSymbol(exchange, symbol),
    });
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
    const weight = Number(headerValue(headers, 'x-mbx-used-weight-1m'));
    if (Number.isFinite(weight)) {
      this.usedWeight = weight;
      this.usedWeightMinute = Math.floor(now / 60_000);
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

  /** Waits out a pause the exchange asked for, and the rest of the minute when the weight budget is nearly spent. */
  private async waitForBudget(): Promise<void> {
    const now = this.clock();
    if (this.pause && this.pause.retryAt > now) {
      throw this.pause;
    }
    const limit = this.options.weightLimitPerMinute ?? 6000;
    if (
      this.binance &&
      this.usedWeightMinute === Math.floor(now / 60_000) &&
      this.usedWeight >= limit * WEIGHT_HEADROOM
    ) {
      const waitMs = (this.usedWeightMinute + 1) * 60_000 - now + 100;
      this.logger.warn(
        `Used ${this.usedWeight} of ${limit} request weight this minute; pausing ${waitMs} ms`,
      );
      await sleep(waitMs);
    }
  }

  private translate(error: unknown, params: FetchCandlesParams): Error {
    if (error instanceof ExchangeThrottledError) {
      return error;
    }
    const message = error instanceof Error ? error.message : String(error);
    // ccxt's BadSymbol / BadRequest and Binance's -1121 / -1120: retrying will not help.
    const name = error instanceof Error ? error.constructor.name : '';
    if (['BadSymbol', 'BadRequest', 'ArgumentsRequired', 'NotSupported'].includes(name)) {
      return new ExchangeRequestError(
        `${this.getName()} refused ${params.symbol} ${params.interval}: ${message}`,
      );
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
