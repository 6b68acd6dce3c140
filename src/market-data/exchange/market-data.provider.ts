import type { Candle } from '../candle';

/** A market as the exchange names it: pair `BTCUSDT` and interval `1h`. */
export interface ExchangeMarket {
  symbol: string;
  interval: string;
}

export interface FetchCandlesParams extends ExchangeMarket {
  /** First open time wanted (inclusive, epoch ms). */
  from: number;
  /** Last open time wanted (inclusive, epoch ms). */
  to: number;
}

/** One kline update from the live stream; `closed` only once the candle is final. */
export interface KlineUpdate extends ExchangeMarket {
  candle: Candle;
  closed: boolean;
  /** When the exchange produced the event (epoch ms). */
  eventTime: number;
}

/**
 * A live stream may spread its markets over several connections (Binance: up to 1,024 streams
 * each); every connection reports on its own, naming the markets it carries.
 */
export interface LiveStreamHandlers {
  onKline(update: KlineUpdate): void;
  /** A connection is (re)connected and subscribed; `reconnect` is false the first time. */
  onConnected(info: { reconnect: boolean; markets: readonly ExchangeMarket[] }): void;
  onDisconnected(info: {
    reason: string;
    retryInMs: number;
    markets: readonly ExchangeMarket[];
  }): void;
}

export interface LiveStream {
  /** Every connection is up and subscribed. */
  readonly connected: boolean;
  close(): Promise<void>;
}

/** A spot pair as the exchange lists it, with what decides whether it is followed. */
export interface ListedMarket {
  /** The exchange pair, `BTCUSDT`. */
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  /** Open for trading now (Binance status `TRADING`). */
  trading: boolean;
  /** Traded volume of the last 24 h in the quote asset; null when the exchange does not say. */
  quoteVolume24h: number | null;
}

/**
 * The exchange as the rest of the service sees it: closed-candle history in pages and one live
 * kline stream for many markets. Implementations are picked by config (`EXCHANGE`).
 */
export interface MarketDataProvider {
  getName(): string;
  /** Most candles one history request returns. */
  readonly maxCandlesPerRequest: number;
  /**
   * Closed candles with open time in [from, to], ascending, at most `maxCandlesPerRequest` of
   * them. Fewer than asked means the exchange has no more in that range.
   */
  fetchCandles(params: FetchCandlesParams): Promise<Candle[]>;
  /** Every spot pair of `quote` the exchange lists, with its status and 24 h quote volume. */
  listMarkets(quote: string): Promise<ListedMarket[]>;
  streamKlines(markets: readonly ExchangeMarket[], handlers: LiveStreamHandlers): LiveStream;
  close(): Promise<void>;
}

export const MARKET_DATA_PROVIDER = Symbol('MarketDataProvider');

/**
 * The exchange asked us to wait (429) or banned this IP for a while (418). Callers stop sending
 * requests until `retryAt`.
 */
export class ExchangeThrottledError extends Error {
  constructor(
    readonly status: 429 | 418,
    readonly retryAt: number,
    message: string,
  ) {
    super(message);
    this.name = 'ExchangeThrottledError';
  }

  get banned(): boolean {
    return this.status === 418;
  }
}

/** A request the exchange refused for a reason a retry will not fix (unknown symbol, bad interval). */
export class ExchangeRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExchangeRequestError';
  }
}
