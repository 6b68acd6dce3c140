import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Candle } from '../market-data/candle';
import { INTERVAL_MS, intervalMs } from '../market-data/market';
import { ReplaySeries, type CandleSeries } from './candle-series';
import {
  GeneratedMarket,
  GeneratedSeries,
  generatedDefaults,
  type GeneratedMarketOptions,
} from './generated-series';

/** Where a simulated market's candles come from. */
export type SimulatedSource =
  | { kind: 'replay'; candles: readonly Candle[] }
  | ({ kind: 'generated' } & Partial<Omit<GeneratedMarketOptions, 'origin'>> & { origin: number });

export interface SimulatedMarket {
  /** The exchange pair, `BTCUSDT`. */
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  intervals: readonly string[];
  source: SimulatedSource;
  /** Binance's symbol status (`TRADING`, `BREAK`, `HALT`, ...); default `TRADING`. */
  status?: string;
  /**
   * 24 h traded volume in the quote asset that `/api/v3/ticker/24hr` reports (its prices are then
   * the market's first price, answered without generating candles); default: the sums over the
   * candles of the last 24 h.
   */
  quoteVolume24h?: number;
}

export interface ExchangeSimulatorOptions {
  markets?: readonly SimulatedMarket[];
  /** 0 = any free port. */
  port?: number;
  host?: string;
  /**
   * Simulated milliseconds per real millisecond for the live stream (1 = real time, 60 = an hour a
   * minute). 0 stops the clock: it moves only through `advance()`, for tests.
   */
  speed?: number;
  /** Simulated time when the simulator starts (default: now). */
  startTime?: number;
  /** How often the stream sends updates of forming candles, in real ms (Binance: 2000). */
  updateIntervalMs?: number;
  /** Binance's request-weight budget per minute; beyond it 429, and 418 after repeated 429s. */
  weightLimitPerMinute?: number;
  /**
   * Length of the weight window in seconds (default 60: Binance's minute). With another length
   * `weightLimitPerMinute` applies per window, `exchangeInfo` reports the window
   * (`{interval: 'SECOND', intervalNum}`) and the header is named after it
   * (`x-mbx-used-weight-5s`): tests of pacing need not wait for a minute to pass.
   */
  weightWindowSeconds?: number;
  /**
   * Messages a websocket client may send per second, pongs included (Binance: 5); a connection
   * sending more is disconnected and the violation recorded in `limitViolations`.
   */
  maxMessagesPerSecond?: number;
  /** Streams one websocket connection may carry (Binance: 1,024); beyond it the connection is closed. */
  maxStreamsPerConnection?: number;
  /** 429s within one minute after which the IP is banned (418) for `banMs`. */
  banAfter429s?: number;
  banMs?: number;
  /** Server pings every this many ms (Binance: 20 s) and drops a connection silent for `pongTimeoutMs`. */
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /** Binance drops every websocket connection after 24 h. */
  connectionLifetimeMs?: number;
}

/** A fault the next REST requests get, as Binance sends it. */
interface Failure {
  status: 429 | 418 | 500;
  remaining: number;
  retryAfterSec: number;
}

/** A websocket client breaking one of Binance's connection limits; the simulator closed it. */
export interface LimitViolation {
  kind: 'message-rate' | 'stream-count';
  /** Messages in the last second, or streams requested. */
  count: number;
  at: number;
}

interface Connection {
  ws: WebSocket;
  /** Arrival times (ms) of the client's messages and pongs within the last second. */
  recentMessages: number[];
  /** Combined streams (`/stream`) wrap each event as `{stream, data}`; raw ones (`/ws`) do not. */
  combined: boolean;
  streams: Set<string>;
  openedAt: number;
  lastPongAt: number;
}

interface Stream {
  symbol: string;
  interval: string;
  series: CandleSeries;
  /** Open time of the last candle sent as closed. */
  lastClosedOpenTime: number;
}

const WEIGHTS: Record<string, number> = {
  '/api/v3/ping': 1,
  '/api/v3/time': 1,
  '/api/v3/exchangeInfo': 20,
  '/api/v3/klines': 2,
};

/** Weight of `ticker/24hr`: by how many symbols it asks for (all of them without `symbol(s)`). */
function tickerWeight(params: URLSearchParams): number {
  if (params.has('symbol')) {
    return 2;
  }
  const count = symbolsParam(params)?.length;
  return count === undefined || count > 100 ? 80 : count > 20 ? 40 : 2;
}

/** `symbols=["BTCUSDT","ETHUSDT"]` as Binance takes it. */
function symbolsParam(params: URLSearchParams): string[] | undefined {
  const text = params.get('symbols');
  if (text === null) {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

function klineRow(candle: Candle, stepMs: number): unknown[] {
  return [
    candle.openTime,
    String(candle.open),
    String(candle.high),
    String(candle.low),
    String(candle.close),
    String(candle.volume),
    candle.openTime + stepMs - 1,
    String(candle.quoteVolume ?? 0),
    candle.tradeCount ?? 0,
    String(candle.takerBuyBaseVolume ?? 0),
    String(candle.takerBuyQuoteVolume ?? 0),
    '0',
  ];
}

function streamName(symbol: string, interval: string): string {
  return `${symbol.toLowerCase()}@kline_${interval}`;
}

/**
 * A small exchange speaking Binance's spot wire format, for tests, benchmarks and the offline demo:
 * REST `/api/v3/ping`, `/time`, `/exchangeInfo`, `/klines` (1000 a request, used-weight headers,
 * 429 then 418 past the weight budget, Binance error bodies), and the kline websocket
 * (`/ws/<stream>`, `/stream?streams=a/b`, SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS) with
 * intermediate updates and the closed (`x: true`) one, server pings, and the 24 h drop.
 * Candles are replayed from files or generated from a seed; the live clock runs at `speed`.
 * Faults for tests: `failNext`, `withhold`, `slowResponses`, `dropConnections`, `refuseStreams`,
 * `silence`.
 *
 * Many markets (`manyMarkets()` in `simulated-markets.ts` generates N of them): `exchangeInfo`
 * lists each with its `status` (filtered by `symbol` / `symbols`), `/api/v3/ticker/24hr` gives
 * its `quoteVolume`, and Binance's limits are enforced and measured: used weight per window
 * (`weightLimitPerMinute`, `weightWindowSeconds`; `maxUsedWeight`, `weightRefusals`), at most
 * `maxMessagesPerSecond` (5) client messages a second and `maxStreamsPerConnection` (1,024)
 * streams per connection, a connection breaking either being closed (`limitViolations`,
 * `maxStreamsOnOneConnection`). `connectionStreams()` shows what each connection carries and
 * `dropConnectionsCarrying()` cuts only some of them.
 */
export class ExchangeSimulator {
  /** Every REST request, as `path?query`. */
  readonly requests: string[] = [];
  connectionsOpened = 0;
  /** The highest used weight any window reached, refused requests included (as Binance counts them). */
  maxUsedWeight = 0;
  /** Requests refused with 429 or 418 because the weight budget ran out. */
  weightRefusals = 0;
  /** The most streams one connection carried at any time. */
  maxStreamsOnOneConnection = 0;
  /** Connections closed for breaking Binance's message-rate or stream-count limit. */
  readonly limitViolations: LimitViolation[] = [];
  /** While true, websocket connections are refused (REST still answers): `refuseStreams`. */
  private refusingStreams = false;
  private readonly series = new Map<string, CandleSeries>();
  private readonly markets = new Map<string, SimulatedMarket>();
  private readonly streams = new Map<string, Stream>();
  private readonly connections = new Set<Connection>();
  private readonly withheld: { key: string; from: number; to: number }[] = [];
  private failure?: Failure;
  private responseDelayMs = 0;
  private silent = false;
  private weightMinute = 0;
  private weight = 0;
  private throttledInMinute = 0;
  private bannedUntil = 0;
  private readonly speed: number;
  private readonly realStart = Date.now();
  private readonly simulatedStart: number;
  private manualOffsetMs = 0;
  private updateTimer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    private readonly options: ExchangeSimulatorOptions,
  ) {
    this.speed = options.speed ?? 1;
    this.simulatedStart = options.startTime ?? Date.now();
    for (const market of options.markets ?? []) {
      this.addMarket(market);
    }
  }

  static async start(options: ExchangeSimulatorOptions = {}): Promise<ExchangeSimulator> {
    const server = createServer();
    const wss = new WebSocketServer({ noServer: true });
    const simulator = new ExchangeSimulator(server, wss, options);
    server.on('request', (request, response) => simulator.handle(request, response));
    server.on('upgrade', (request, socket, head) => {
      if (simulator.refusingStreams) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => simulator.accept(ws, request));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
    });
    simulator.startTimers();
    return simulator;
  }

  get restUrl(): string {
    const address = this.server.address() as AddressInfo;
    return `http://${address.address}:${address.port}`;
  }

  get wsUrl(): string {
    const address = this.server.address() as AddressInfo;
    return `ws://${address.address}:${address.port}`;
  }

  /** Open websocket connections. */
  get openConnections(): number {
    return this.connections.size;
  }

  /** The simulated exchange's current time. */
  now(): number {
    return this.simulatedStart + this.manualOffsetMs + (Date.now() - this.realStart) * this.speed;
  }

  /** Adds a market with every interval it trades. */
  addMarket(market: SimulatedMarket): void {
    this.markets.set(market.symbol, market);
    const source = market.source;
    const generated =
      source.kind === 'generated'
        ? new GeneratedMarket({
            ...generatedDefaults(market.baseAsset),
            ...source,
            seed: source.seed ?? market.symbol,
          })
        : undefined;
    for (const interval of market.intervals) {
      const stepMs = intervalMs(interval);
      this.series.set(
        `${market.symbol}:${interval}`,
        generated
          ? new GeneratedSeries(generated, stepMs)
          : new ReplaySeries(stepMs, source.kind === 'replay' ? source.candles : []),
      );
    }
  }

  /** Sets (replaces) the recorded history of one market and interval. */
  load(symbol: string, interval: string, candles: readonly Candle[]): void {
    const base = symbol.replace(/USDT$|USD$|BUSD$/, '');
    const existing = this.markets.get(symbol);
    this.markets.set(symbol, {
      symbol,
      baseAsset: existing?.baseAsset ?? base,
      quoteAsset: existing?.quoteAsset ?? symbol.slice(base.length),
      intervals: [...new Set([...(existing?.intervals ?? []), interval])],
      source: { kind: 'replay', candles: [] },
    });
    this.series.set(`${symbol}:${interval}`, new ReplaySeries(intervalMs(interval), candles));
  }

  /** Adds a candle to a replayed history (as the exchange records it once it closes). */
  append(symbol: string, interval: string, candle: Candle): void {
    const series = this.series.get(`${symbol}:${interval}`);
    if (!(series instanceof ReplaySeries)) {
      throw new Error(`${symbol} ${interval} is not a replayed market`);
    }
    series.put(candle);
  }

  /** The candle with this open time as the exchange knows it now. */
  candleAt(symbol: string, interval: string, openTime: number): Candle | undefined {
    return this.series.get(`${symbol}:${interval}`)?.at(openTime, this.now());
  }

  /** Moves a stopped clock (speed 0) forward and sends the stream updates that time produced. */
  async advance(ms: number): Promise<void> {
    this.manualOffsetMs += ms;
    await this.publishUpdates();
  }

  failNext(failure: { status: 429 | 418 | 500; count: number; retryAfterSec: number }): void {
    this.failure = {
      status: failure.status,
      remaining: failure.count,
      retryAfterSec: failure.retryAfterSec,
    };
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

  /** Keeps connections open but sends nothing, not even pings: a half-dead network path. */
  silence(silent: boolean): void {
    this.silent = silent;
  }

  /** Sends one kline event to every connection subscribed to its stream; resolves once written. */
  async emit(symbol: string, interval: string, candle: Candle, closed: boolean): Promise<void> {
    await this.send(symbol, interval, candle, closed);
  }

  /**
   * Closes the candle after `previous` on a replayed market: records it (as the exchange does)
   * and sends its closed kline. The close moves by `change` (0.002 = +0.2%).
   */
  async closeNext(
    symbol: string,
    interval: string,
    previous: Candle,
    change: number,
  ): Promise<Candle> {
    const close = previous.close * (1 + change);
    const next: Candle = {
      ...previous,
      openTime: previous.openTime + intervalMs(interval),
      open: previous.close,
      close,
      high: Math.max(previous.close, close) * 1.002,
      low: Math.min(previous.close, close) * 0.998,
    };
    this.append(symbol, interval, next);
    await this.emit(symbol, interval, next, true);
    return next;
  }

  /** Refuses new websocket connections (REST still answers), as a blocked stream host would. */
  refuseStreams(refuse: boolean): void {
    this.refusingStreams = refuse;
  }

  /** Cuts every websocket without a close frame, like a network failure. */
  dropConnections(): void {
    for (const connection of this.connections) {
      connection.ws.terminate();
    }
  }

  /** Cuts (as `dropConnections`) only the connections subscribed to this stream (`btcusdt@kline_1h`); returns how many. */
  dropConnectionsCarrying(stream: string): number {
    const carrying = [...this.connections].filter((connection) => connection.streams.has(stream));
    carrying.forEach((connection) => connection.ws.terminate());
    return carrying.length;
  }

  /** The streams of every open connection, one list per connection. */
  connectionStreams(): string[][] {
    return [...this.connections].map((connection) => [...connection.streams]);
  }

  /** Every market the simulator lists, as configured. */
  listedMarkets(): SimulatedMarket[] {
    return [...this.markets.values()];
  }

  async close(): Promise<void> {
    clearInterval(this.updateTimer);
    clearInterval(this.pingTimer);
    this.dropConnections();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private startTimers(): void {
    if (this.speed > 0) {
      this.updateTimer = setInterval(
        () => void this.publishUpdates(),
        this.options.updateIntervalMs ?? 2000,
      );
      this.updateTimer.unref();
    }
    const pingIntervalMs = this.options.pingIntervalMs ?? 20_000;
    this.pingTimer = setInterval(() => this.pingAll(), pingIntervalMs);
    this.pingTimer.unref();
  }

  /** Pings every connection; drops the ones that stopped answering or reached their lifetime. */
  private pingAll(): void {
    const now = Date.now();
    const pongTimeoutMs = this.options.pongTimeoutMs ?? 60_000;
    const lifetimeMs = this.options.connectionLifetimeMs ?? 24 * 3_600_000;
    for (const connection of this.connections) {
      if (now - connection.openedAt >= lifetimeMs) {
        connection.ws.close(1001, 'connection lifetime reached');
      } else if (now - connection.lastPongAt > pongTimeoutMs) {
        connection.ws.terminate();
      } else if (!this.silent) {
        connection.ws.ping();
      }
    }
  }

  /** Sends the closed candles since the last update and the forming one, for every subscribed stream. */
  private async publishUpdates(): Promise<void> {
    const now = this.now();
    const sends: Promise<void>[] = [];
    for (const stream of this.streams.values()) {
      const step = stream.series.intervalMs;
      const forming = Math.floor(now / step) * step;
      // At most a day of closed candles after a long jump of a stopped clock.
      let openTime = Math.max(stream.lastClosedOpenTime + step, forming - 1440 * step);
      for (; openTime < forming; openTime += step) {
        const candle = stream.series.at(openTime, now);
        if (candle) {
          sends.push(this.send(stream.symbol, stream.interval, candle, true));
        }
      }
      stream.lastClosedOpenTime = forming - step;
      const current = stream.series.at(forming, now);
      if (current) {
        sends.push(this.send(stream.symbol, stream.interval, current, false));
      }
    }
    await Promise.all(sends);
  }

  private async send(
    symbol: string,
    interval: string,
    candle: Candle,
    closed: boolean,
  ): Promise<void> {
    if (this.silent) {
      return;
    }
    const stream = streamName(symbol, interval);
    const stepMs = INTERVAL_MS[interval] ?? 60_000;
    const data = {
      e: 'kline',
      E: Math.round(this.now()),
      s: symbol,
      k: {
        t: candle.openTime,
        T: candle.openTime + stepMs - 1,
        s: symbol,
        i: interval,
        f: 100,
        L: 200,
        o: String(candle.open),
        c: String(candle.close),
        h: String(candle.high),
        l: String(candle.low),
        v: String(candle.volume),
        n: candle.tradeCount ?? 0,
        x: closed,
        q: String(candle.quoteVolume ?? 0),
        V: String(candle.takerBuyBaseVolume ?? 0),
        Q: String(candle.takerBuyQuoteVolume ?? 0),
        B: '0',
      },
    };
    const combined = JSON.stringify({ stream, data });
    const raw = JSON.stringify(data);
    const sends = [...this.connections]
      .filter((connection) => connection.streams.has(stream))
      .map(
        (connection) =>
          new Promise<void>((resolve) =>
            connection.ws.send(connection.combined ? combined : raw, () => resolve()),
          ),
      );
    await Promise.all(sends);
  }

  private accept(ws: WebSocket, request: IncomingMessage): void {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const combined = url.pathname.startsWith('/stream');
    const named = combined
      ? (url.searchParams.get('streams') ?? '').split('/')
      : [url.pathname.replace(/^\/ws\/?/, '')];
    const connection: Connection = {
      ws,
      recentMessages: [],
      combined,
      streams: new Set(),
      openedAt: Date.now(),
      lastPongAt: Date.now(),
    };
    this.connections.add(connection);
    this.connectionsOpened += 1;
    this.subscribe(connection, named.filter(Boolean));
    ws.on('pong', () => {
      connection.lastPongAt = Date.now();
      this.countMessage(connection);
    });
    ws.on('message', (message) => {
      if (this.countMessage(connection)) {
        this.onRequest(connection, String(message));
      }
    });
    ws.on('close', () => this.connections.delete(connection));
    ws.on('error', () => this.connections.delete(connection));
    if (!this.silent) {
      ws.ping();
    }
  }

  /**
   * Counts a message from the client (pongs included, as Binance counts them); past
   * `maxMessagesPerSecond` in the last second the connection is closed. False once closed.
   */
  private countMessage(connection: Connection): boolean {
    if (!this.connections.has(connection)) {
      return false;
    }
    const now = Date.now();
    const recent = connection.recentMessages.filter((at) => now - at < 1000);
    recent.push(now);
    connection.recentMessages = recent;
    const limit = this.options.maxMessagesPerSecond ?? 5;
    if (recent.length > limit) {
      this.limitViolations.push({ kind: 'message-rate', count: recent.length, at: now });
      this.connections.delete(connection);
      connection.ws.close(1008, 'Too many messages');
      return false;
    }
    return true;
  }

  /** SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS, answered as Binance does. */
  private onRequest(connection: Connection, message: string): void {
    let request: { method?: unknown; params?: unknown; id?: unknown };
    try {
      request = JSON.parse(message) as typeof request;
    } catch {
      connection.ws.send(
        JSON.stringify({
          error: { code: 3, msg: 'Invalid JSON: expected value at line 1 column 1' },
        }),
      );
      return;
    }
    const id = request.id ?? null;
    const params = Array.isArray(request.params) ? request.params.map(String) : [];
    switch (request.method) {
      case 'SUBSCRIBE':
        if (this.subscribe(connection, params)) {
          connection.ws.send(JSON.stringify({ result: null, id }));
        }
        return;
      case 'UNSUBSCRIBE':
        params.forEach((name) => connection.streams.delete(name));
        connection.ws.send(JSON.stringify({ result: null, id }));
        return;
      case 'LIST_SUBSCRIPTIONS':
        connection.ws.send(JSON.stringify({ result: [...connection.streams], id }));
        return;
      default:
        connection.ws.send(
          JSON.stringify({ error: { code: 2, msg: 'Invalid request: unknown method' }, id }),
        );
    }
  }

  /** Adds streams to a connection; closes it (false) when that takes it past `maxStreamsPerConnection`. */
  private subscribe(connection: Connection, names: readonly string[]): boolean {
    const now = this.now();
    const wanted = new Set([...connection.streams, ...names]).size;
    const limit = this.options.maxStreamsPerConnection ?? 1024;
    this.maxStreamsOnOneConnection = Math.max(this.maxStreamsOnOneConnection, wanted);
    if (wanted > limit) {
      this.limitViolations.push({ kind: 'stream-count', count: wanted, at: Date.now() });
      this.connections.delete(connection);
      connection.ws.close(1008, `Too many streams (${wanted} > ${limit})`);
      return false;
    }
    for (const name of names) {
      connection.streams.add(name);
      const match = /^([a-z0-9]+)@kline_(\w+)$/.exec(name);
      const symbol = match?.[1]?.toUpperCase() ?? '';
      const interval = match?.[2] ?? '';
      const series = this.series.get(`${symbol}:${interval}`);
      if (series && !this.streams.has(name)) {
        const step = series.intervalMs;
        this.streams.set(name, {
          symbol,
          interval,
          series,
          lastClosedOpenTime: Math.floor(now / step) * step - step,
        });
      }
    }
    return true;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
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
    const window = Math.floor(Date.now() / this.weightWindowMs);
    if (window !== this.weightMinute) {
      this.weightMinute = window;
      this.weight = 0;
      this.throttledInMinute = 0;
    }
    this.weight +=
      url.pathname === '/api/v3/ticker/24hr'
        ? tickerWeight(url.searchParams)
        : (WEIGHTS[url.pathname] ?? 1);
    this.maxUsedWeight = Math.max(this.maxUsedWeight, this.weight);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        'content-type': 'application/json;charset=UTF-8',
        'x-mbx-used-weight': String(this.weight),
        [this.weightHeader]: String(this.weight),
        ...headers,
      });
      response.end(JSON.stringify(body));
    };
    const refusal = this.refusal(url.pathname);
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
        return send(200, { serverTime: Math.round(this.now()) });
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

  /** An injected fault, a ban, or the weight budget running out (429, then 418 if the client keeps going). */
  private refusal(
    pathname: string,
  ): { status: 429 | 418 | 500; retryAfterSec: number } | undefined {
    const now = Date.now();
    if (this.failure && this.failure.remaining > 0 && pathname !== '/api/v3/ping') {
      this.failure.remaining -= 1;
      return { status: this.failure.status, retryAfterSec: this.failure.retryAfterSec };
    }
    if (this.bannedUntil > now) {
      return { status: 418, retryAfterSec: Math.ceil((this.bannedUntil - now) / 1000) };
    }
    const limit = this.options.weightLimitPerMinute;
    if (limit !== undefined && this.weight > limit) {
      this.weightRefusals += 1;
      this.throttledInMinute += 1;
      if (this.throttledInMinute > (this.options.banAfter429s ?? 5)) {
        this.bannedUntil = now + (this.options.banMs ?? 120_000);
        return { status: 418, retryAfterSec: Math.ceil((this.bannedUntil - now) / 1000) };
      }
      return {
        status: 429,
        retryAfterSec: Math.ceil(((this.weightMinute + 1) * this.weightWindowMs - now) / 1000),
      };
    }
    return undefined;
  }

  private get weightWindowMs(): number {
    return (this.options.weightWindowSeconds ?? 60) * 1000;
  }

  /** The window as Binance names it in `rateLimits` and in the used-weight header. */
  private get weightWindow(): { interval: 'SECOND' | 'MINUTE'; intervalNum: number } {
    const seconds = this.options.weightWindowSeconds ?? 60;
    return seconds % 60 === 0
      ? { interval: 'MINUTE', intervalNum: seconds / 60 }
      : { interval: 'SECOND', intervalNum: seconds };
  }

  private get weightHeader(): string {
    const { interval, intervalNum } = this.weightWindow;
    return `x-mbx-used-weight-${intervalNum}${interval === 'MINUTE' ? 'm' : 's'}`;
  }

  /** The markets `symbol` / `symbols` ask for (all without either); undefined when one is unknown. */
  private requestedMarkets(params: URLSearchParams): SimulatedMarket[] | undefined {
    const one = params.get('symbol');
    const names = one !== null ? [one] : symbolsParam(params);
    if (names === undefined) {
      return [...this.markets.values()];
    }
    const markets = names.map((name) => this.markets.get(name));
    return markets.every((market) => market !== undefined)
      ? (markets as SimulatedMarket[])
      : undefined;
  }

  private exchangeInfo(markets: readonly SimulatedMarket[]): unknown {
    const limit = this.options.weightLimitPerMinute ?? 6000;
    return {
      timezone: 'UTC',
      serverTime: Math.round(this.now()),
      rateLimits: [
        { rateLimitType: 'REQUEST_WEIGHT', ...this.weightWindow, limit },
        { rateLimitType: 'ORDERS', interval: 'SECOND', intervalNum: 10, limit: 100 },
        { rateLimitType: 'RAW_REQUESTS', interval: 'MINUTE', intervalNum: 5, limit: 61000 },
      ],
      exchangeFilters: [],
      symbols: markets.map((market) => ({
        symbol: market.symbol,
        status: market.status ?? 'TRADING',
        baseAsset: market.baseAsset,
        baseAssetPrecision: 8,
        quoteAsset: market.quoteAsset,
        quotePrecision: 8,
        quoteAssetPrecision: 8,
        baseCommissionPrecision: 8,
        quoteCommissionPrecision: 8,
        orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
        icebergAllowed: true,
        ocoAllowed: true,
        otoAllowed: true,
        quoteOrderQtyMarketAllowed: true,
        allowTrailingStop: true,
        cancelReplaceAllowed: true,
        isSpotTradingAllowed: true,
        isMarginTradingAllowed: false,
        filters: [
          {
            filterType: 'PRICE_FILTER',
            minPrice: '0.00010000',
            maxPrice: '1000000.00000000',
            tickSize: '0.00010000',
          },
          {
            filterType: 'LOT_SIZE',
            minQty: '0.00001000',
            maxQty: '9000.00000000',
            stepSize: '0.00001000',
          },
          {
            filterType: 'NOTIONAL',
            minNotional: '5.00000000',
            applyMinToMarket: true,
            maxNotional: '9000000.00000000',
            applyMaxToMarket: false,
            avgPriceMins: 5,
          },
        ],
        permissions: [],
        permissionSets: [['SPOT']],
        defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
        allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
      })),
    };
  }

  /** `/api/v3/ticker/24hr` (FULL or MINI): one object for `symbol`, else a list. */
  private tickers(params: URLSearchParams, send: (status: number, body: unknown) => void): void {
    const markets = this.requestedMarkets(params);
    if (!markets) {
      return send(400, { code: -1121, msg: 'Invalid symbol.' });
    }
    const now = Math.round(this.now());
    const tickers = markets.map((market) => {
      // A set volume answers at once: generating a day of candles for hundreds of markets would
      // hold the answer for seconds (generated markets are computed minute by minute from origin).
      const day =
        market.quoteVolume24h === undefined ? this.lastDay(market, now) : this.startOf(market);
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

  /** A flat candle at the market's first price, for a ticker whose volume is set. */
  private startOf(market: SimulatedMarket): Candle[] {
    const source = market.source;
    const price =
      source.kind === 'replay'
        ? (source.candles[source.candles.length - 1]?.close ?? 0)
        : (source.startPrice ?? generatedDefaults(market.baseAsset).startPrice);
    return [
      {
        openTime: 0,
        open: price,
        high: price,
        low: price,
        close: price,
        volume: 0,
        quoteVolume: market.quoteVolume24h ?? 0,
        tradeCount: 0,
        takerBuyBaseVolume: 0,
        takerBuyQuoteVolume: 0,
      },
    ];
  }

  /** The market's candles of the last 24 h, from its longest interval. */
  private lastDay(market: SimulatedMarket, now: number): Candle[] {
    const interval = [...market.intervals].sort((a, b) => intervalMs(b) - intervalMs(a))[0];
    const series =
      interval === undefined ? undefined : this.series.get(`${market.symbol}:${interval}`);
    if (!series) {
      return [];
    }
    return series.range({
      from: now - 86_400_000,
      to: now,
      now,
      limit: Math.ceil(86_400_000 / series.intervalMs) + 1,
      fromEnd: false,
    });
  }

  private klines(params: URLSearchParams, send: (status: number, body: unknown) => void): void {
    const symbol = params.get('symbol') ?? '';
    const interval = params.get('interval') ?? '';
    const stepMs = INTERVAL_MS[interval];
    if (!stepMs) {
      return send(400, { code: -1120, msg: 'Invalid interval.' });
    }
    const key = `${symbol}:${interval}`;
    const series = this.series.get(key);
    if (!this.markets.has(symbol) || !series) {
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
    const now = this.now();
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
