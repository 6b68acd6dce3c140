import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Candle } from '../market-data/candle';
import { INTERVAL_MS } from '../market-data/market-catalogue';
import { exchangeInfoSymbol, klineRow, symbolsParam } from './binance-wire-format';
import { RequestWeight, type RequestWeightOptions } from './request-weight';
import type { SimulatedMarket, SimulatedMarketData } from './simulated-market-data';
import type { SimulatorClock } from './simulator-clock';

type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;

/**
 * The simulator's REST side: `/api/v3/ping`, `/time`, `/exchangeInfo`, `/ticker/24hr` and
 * `/klines` (1000 a request) with used-weight headers, Binance error bodies and refusals
 * (RequestWeight), and the faults tests inject: withheld candles and slow responses.
 */
export class SimulatedRestApi {
  /** Every REST request, as `path?query`. */
  readonly requests: string[] = [];
  readonly weight: RequestWeight;
  private readonly withheld: { key: string; from: number; to: number }[] = [];
  private responseDelayMs = 0;

  constructor(
    private readonly clock: SimulatorClock,
    private readonly data: SimulatedMarketData,
    options: RequestWeightOptions,
  ) {
    this.weight = new RequestWeight(options);
  }

  /** Serves the range as if the exchange had no candles there, until `releaseAll()`. */
  withhold(symbol: string, interval: string, from: number, to: number): void {
    this.withheld.push({ key: `${symbol}:${interval}`, from, to });
  }

  releaseAll(): void {
    this.withheld.length = 0;
  }

  /** Delays every REST response by this many ms (0 to stop). */
  slowResponses(delayMs: number): void {
    this.responseDelayMs = delayMs;
  }

  handle(request: IncomingMessage, response: ServerResponse): void {
    const respond = () => this.respond(request, response);
    if (this.responseDelayMs > 0) {
      setTimeout(respond, this.responseDelayMs);
    } else {
      respond();
    }
  }

  private respond(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://simulator');
    this.requests.push(`${url.pathname}${url.search}`);
    const used = this.weight.count(url);
    const send: Send = (status, body, headers = {}) => {
      response.writeHead(status, {
        'content-type': 'application/json;charset=UTF-8',
        'x-mbx-used-weight': String(used),
        [this.weight.header]: String(used),
        ...headers,
      });
      response.end(JSON.stringify(body));
    };
    const refusal = this.weight.refusal(url.pathname);
    if (refusal) {
      const { status, retryAfterSec } = refusal;
      const message =
        status === 418
          ? `Way too many requests; IP(127.0.0.1) banned until ${Date.now() + retryAfterSec * 1000}. Please use the websocket for live updates to avoid bans.`
          : status === 429
            ? 'Too many requests; current limit of IP(127.0.0.1) is 6000 requests per minute. Please use the websocket for live updates to avoid polling the API.'
            : 'An unknown error occurred while processing the request.';
      send(
        status,
        { code: status === 500 ? -1000 : -1003, msg: message },
        { 'retry-after': String(retryAfterSec) },
      );
      return;
    }
    switch (url.pathname) {
      case '/api/v3/ping':
        return send(200, {});
      case '/api/v3/time':
        return send(200, { serverTime: Math.round(this.clock.now()) });
      case '/api/v3/exchangeInfo': {
        const markets = this.requestedMarkets(url.searchParams);
        return markets
          ? send(200, this.exchangeInfo(markets))
          : send(400, { code: -1121, msg: 'Invalid symbol.' });
      }
      case '/api/v3/ticker/24hr':
        return this.tickers(url.searchParams, send);
      case '/api/v3/klines':
        return this.klines(url.searchParams, send);
      default:
        return send(404, { code: -1000, msg: `Unknown path ${url.pathname}` });
    }
  }

  /** The markets `symbol` / `symbols` ask for (all without either); undefined when one is unknown. */
  private requestedMarkets(params: URLSearchParams): SimulatedMarket[] | undefined {
    const one = params.get('symbol');
    return this.data.select(one !== null ? [one] : symbolsParam(params));
  }

  private exchangeInfo(markets: readonly SimulatedMarket[]): unknown {
    const limit = this.weight.limitPerWindow ?? 6000;
    return {
      timezone: 'UTC',
      serverTime: Math.round(this.clock.now()),
      rateLimits: [
        { rateLimitType: 'REQUEST_WEIGHT', ...this.weight.window, limit },
        { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
        { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
      ],
      exchangeFilters: [],
      symbols: markets.map(exchangeInfoSymbol),
    };
  }

  /** `/api/v3/ticker/24hr` (FULL or MINI): one object for `symbol`, else a list. */
  private tickers(params: URLSearchParams, send: Send): void {
    const markets = this.requestedMarkets(params);
    if (!markets) {
      return send(400, { code: -1121, msg: 'Invalid symbol.' });
    }
    const now = Math.round(this.clock.now());
    const tickers = markets.map((market) => {
      // A set volume answers at once: generating a day of candles for hundreds of markets would
      // hold the answer for seconds (generated markets are computed minute by minute from origin).
      const day =
        market.quoteVolume24h === undefined
          ? this.data.lastDay(market, now)
          : this.data.startOf(market);
      const open = day[0]?.open ?? 0;
      const last = day[day.length - 1]?.close ?? 0;
      const quoteVolume =
        market.quoteVolume24h ?? day.reduce((sum, candle) => sum + (candle.quoteVolume ?? 0), 0);
      return {
        symbol: market.symbol,
        priceChange: String(last - open),
        priceChangePercent: String(open ? ((last - open) / open) * 100 : 0),
        openPrice: String(open),
        highPrice: String(Math.max(0, ...day.map((candle) => candle.high))),
        lowPrice: String(day.length ? Math.min(...day.map((candle) => candle.low)) : 0),
        lastPrice: String(last),
        volume: String(day.reduce((sum, candle) => sum + candle.volume, 0)),
        quoteVolume: String(quoteVolume),
        openTime: now - 86_400_000,
        closeTime: now,
        firstId: 0,
        lastId: 0,
        count: day.reduce((sum, candle) => sum + (candle.tradeCount ?? 0), 0),
      };
    });
    send(200, params.has('symbol') ? tickers[0] : tickers);
  }

  private klines(params: URLSearchParams, send: Send): void {
    const symbol = params.get('symbol') ?? '';
    const interval = params.get('interval') ?? '';
    const stepMs = INTERVAL_MS[interval];
    if (!stepMs) {
      return send(400, { code: -1120, msg: 'Invalid interval.' });
    }
    const key = `${symbol}:${interval}`;
    const series = this.data.seriesOf(symbol, interval);
    if (!this.data.has(symbol) || !series) {
      return send(400, { code: -1121, msg: 'Invalid symbol.' });
    }
    const limit = params.has('limit') ? Number(params.get('limit')) : 500;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      return send(400, { code: -1130, msg: "Data sent for parameter 'limit' is not valid." });
    }
    const from = params.has('startTime') ? Number(params.get('startTime')) : 0;
    const to = params.has('endTime') ? Number(params.get('endTime')) : Number.MAX_SAFE_INTEGER;
    if (!Number.isFinite(from) || !Number.isFinite(to)) {
      return send(400, { code: -1100, msg: 'Illegal characters found in a parameter.' });
    }
    // Without startTime Binance answers with the most recent candles up to endTime (or now).
    const fromEnd = !params.has('startTime');
    const withheld = this.withheld.filter((range) => range.key === key);
    const visible = (candle: Candle) =>
      !withheld.some((range) => candle.openTime >= range.from && candle.openTime <= range.to);
    const now = this.clock.now();
    // Withheld candles are missing from the reply, and the page fills up from beyond them.
    const page: Candle[] = [];
    let window = { from, to };
    while (page.length < limit && window.from <= window.to) {
      const chunk = series.range({ ...window, now, limit, fromEnd });
      if (chunk.length === 0) {
        break;
      }
      const kept = chunk.filter(visible);
      if (fromEnd) {
        page.unshift(...kept.slice(-(limit - page.length)));
        window = { from: window.from, to: chunk[0]!.openTime - 1 };
      } else {
        page.push(...kept.slice(0, limit - page.length));
        window = { from: chunk[chunk.length - 1]!.openTime + 1, to: window.to };
      }
    }
    send(
      200,
      page.map((candle) => klineRow(candle, stepMs)),
    );
  }
}
