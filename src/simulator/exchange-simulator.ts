import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { Candle } from '../market-data/candle';
import { intervalMs } from '../market-data/market-catalogue';
import {
  SimulatedKlineStreams,
  type KlineStreamOptions,
  type LimitViolation,
} from './kline-streams';
import type { RequestWeightOptions } from './request-weight';
import { SimulatedRestApi } from './rest-api';
import { SimulatedMarketData, type SimulatedMarket } from './simulated-market-data';
import { SimulatorClock } from './simulator-clock';

// The types of the simulator's options and measurements, where its users import them from.
export type { LimitViolation } from './kline-streams';
export type { SimulatedMarket } from './simulated-market-data';

export interface ExchangeSimulatorOptions extends RequestWeightOptions, KlineStreamOptions {
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
  private readonly clock: SimulatorClock;
  private readonly data = new SimulatedMarketData();
  private readonly rest: SimulatedRestApi;
  private readonly streams: SimulatedKlineStreams;
  /** While true, websocket connections are refused (REST still answers): `refuseStreams`. */
  private refusingStreams = false;

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
    options: ExchangeSimulatorOptions,
  ) {
    this.clock = new SimulatorClock(options.speed ?? 1, options.startTime);
    this.rest = new SimulatedRestApi(this.clock, this.data, options);
    this.streams = new SimulatedKlineStreams(this.clock, this.data, options);
    for (const market of options.markets ?? []) {
      this.addMarket(market);
    }
  }

  static async start(options: ExchangeSimulatorOptions = {}): Promise<ExchangeSimulator> {
    const server = createServer();
    const wss = new WebSocketServer({ noServer: true });
    const simulator = new ExchangeSimulator(server, wss, options);
    server.on('request', (request, response) => simulator.rest.handle(request, response));
    server.on('upgrade', (request, socket, head) => {
      if (simulator.refusingStreams) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => simulator.streams.accept(ws, request));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve);
    });
    simulator.streams.startTimers();
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

  /** Every REST request, as `path?query`. */
  get requests(): readonly string[] {
    return this.rest.requests;
  }

  get connectionsOpened(): number {
    return this.streams.connectionsOpened;
  }

  /** The highest used weight any window reached, refused requests included (as Binance counts them). */
  get maxUsedWeight(): number {
    return this.rest.weight.maxUsedWeight;
  }

  /** Requests refused with 429 or 418 because the weight budget ran out. */
  get weightRefusals(): number {
    return this.rest.weight.weightRefusals;
  }

  /** The most streams one connection carried at any time. */
  get maxStreamsOnOneConnection(): number {
    return this.streams.maxStreamsOnOneConnection;
  }

  /** Connections closed for breaking Binance's message-rate or stream-count limit. */
  get limitViolations(): readonly LimitViolation[] {
    return this.streams.limitViolations;
  }

  /** Open websocket connections. */
  get openConnections(): number {
    return this.streams.openConnections;
  }

  /** The simulated exchange's current time. */
  now(): number {
    return this.clock.now();
  }

  /** Adds a market with every interval it trades. */
  addMarket(market: SimulatedMarket): void {
    this.data.add(market);
  }

  /** Sets (replaces) the recorded history of one market and interval. */
  load(symbol: string, interval: string, candles: readonly Candle[]): void {
    this.data.load(symbol, interval, candles);
  }

  /** Adds a candle to a replayed history (as the exchange records it once it closes). */
  append(symbol: string, interval: string, candle: Candle): void {
    this.data.append(symbol, interval, candle);
  }

  /** The candle with this open time as the exchange knows it now. */
  candleAt(symbol: string, interval: string, openTime: number): Candle | undefined {
    return this.data.seriesOf(symbol, interval)?.at(openTime, this.now());
  }

  /** Moves a stopped clock (speed 0) forward and sends the stream updates that time produced. */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.streams.publishUpdates();
  }

  failNext(failure: { status: 429 | 418 | 500; count: number; retryAfterSec: number }): void {
    this.rest.weight.failNext(failure);
  }

  /** Serves the range as if the exchange had no candles there, until `releaseAll()`. */
  withhold(symbol: string, interval: string, from: number, to: number): void {
    this.rest.withhold(symbol, interval, from, to);
  }

  releaseAll(): void {
    this.rest.releaseAll();
  }

  /** Delays every REST response by this many ms (0 to stop). */
  slowResponses(delayMs: number): void {
    this.rest.slowResponses(delayMs);
  }

  /** Keeps connections open but sends nothing, not even pings: a half-dead network path. */
  silence(silent: boolean): void {
    this.streams.silent = silent;
  }

  /** Sends one kline event to every connection subscribed to its stream; resolves once written. */
  async emit(symbol: string, interval: string, candle: Candle, closed: boolean): Promise<void> {
    await this.streams.send(symbol, interval, candle, closed);
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
    this.streams.dropConnections();
  }

  /** Cuts (as `dropConnections`) only the connections subscribed to this stream (`btcusdt@kline_1h`); returns how many. */
  dropConnectionsCarrying(stream: string): number {
    return this.streams.dropConnectionsCarrying(stream);
  }

  /** The streams of every open connection, one list per connection. */
  connectionStreams(): string[][] {
    return this.streams.connectionStreams();
  }

  /** Every market the simulator lists, as configured. */
  listedMarkets(): SimulatedMarket[] {
    return this.data.list();
  }

  async close(): Promise<void> {
    this.streams.stopTimers();
    this.streams.dropConnections();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
