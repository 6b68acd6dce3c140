import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { Candle } from '../market-data/candle';
import { INTERVAL_MS } from '../market-data/market-catalogue';
import type { CandleSeries } from './candle-series';
import { klineEvent, streamName } from './binance-wire-format';
import type { SimulatedMarketData } from './simulated-market-data';
import type { SimulatorClock } from './simulator-clock';

/** Binance's websocket limits and timers as the simulator applies them (see ExchangeSimulatorOptions). */
export interface KlineStreamOptions {
  /** How often the stream sends updates of forming candles, in real ms (Binance: 2000). */
  updateIntervalMs?: number;
  /**
   * Messages a websocket client may send per second, pongs included (Binance: 5); a connection
   * sending more is disconnected and the violation recorded in `limitViolations`.
   */
  maxMessagesPerSecond?: number;
  /** Streams one websocket connection may carry (Binance: 1,024); beyond it the connection is closed. */
  maxStreamsPerConnection?: number;
  /** Server pings every this many ms (Binance: 20 s) and drops a connection silent for `pongTimeoutMs`. */
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  /** Binance drops every websocket connection after 24 h. */
  connectionLifetimeMs?: number;
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

/**
 * The simulator's kline websocket: `/ws/<stream>` and `/stream?streams=a/b` connections,
 * SUBSCRIBE / UNSUBSCRIBE / LIST_SUBSCRIPTIONS, intermediate updates and the closed (`x: true`)
 * kline, server pings and the 24 h drop, Binance's message-rate and stream-count limits, and the
 * faults tests inject (silence, dropped connections).
 */
export class SimulatedKlineStreams {
  connectionsOpened = 0;
  /** The most streams one connection carried at any time. */
  maxStreamsOnOneConnection = 0;
  /** Connections closed for breaking Binance's message-rate or stream-count limit. */
  readonly limitViolations: LimitViolation[] = [];
  /** While true the simulator keeps connections open but sends nothing, not even pings. */
  silent = false;
  private readonly streams = new Map<string, Stream>();
  private readonly connections = new Set<Connection>();
  private updateTimer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;

  constructor(
    private readonly clock: SimulatorClock,
    private readonly data: SimulatedMarketData,
    private readonly options: KlineStreamOptions,
  ) {}

  get openConnections(): number {
    return this.connections.size;
  }

  /** Starts the updates (unless the clock is stopped) and the pings. */
  startTimers(): void {
    if (this.clock.speed > 0) {
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

  stopTimers(): void {
    clearInterval(this.updateTimer);
    clearInterval(this.pingTimer);
  }

  /** Cuts every websocket without a close frame, like a network failure. */
  dropConnections(): void {
    for (const connection of this.connections) {
      connection.ws.terminate();
    }
  }

  /** Cuts only the connections subscribed to this stream; returns how many. */
  dropConnectionsCarrying(stream: string): number {
    const carrying = [...this.connections].filter((connection) => connection.streams.has(stream));
    carrying.forEach((connection) => connection.ws.terminate());
    return carrying.length;
  }

  /** The streams of every open connection, one list per connection. */
  connectionStreams(): string[][] {
    return [...this.connections].map((connection) => [...connection.streams]);
  }

  /** Sends the closed candles since the last update and the forming one, for every subscribed stream. */
  async publishUpdates(): Promise<void> {
    const now = this.clock.now();
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

  /** Sends one kline event to every connection subscribed to its stream; resolves once written. */
  async send(symbol: string, interval: string, candle: Candle, closed: boolean): Promise<void> {
    if (this.silent) {
      return;
    }
    const stream = streamName(symbol, interval);
    const data = klineEvent({
      symbol,
      interval,
      stepMs: INTERVAL_MS[interval] ?? 60_000,
      candle,
      closed,
      eventTime: Math.round(this.clock.now()),
    });
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

  /** A new connection, subscribed to the streams its path names. */
  accept(ws: WebSocket, request: IncomingMessage): void {
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
    const now = this.clock.now();
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
      const series = this.data.seriesOf(symbol, interval);
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
}
