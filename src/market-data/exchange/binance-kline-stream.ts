import { Logger } from '@nestjs/common';
import WebSocket from 'ws';
import type { Candle } from '../candle';
import type { ExchangeMarket, LiveStream, LiveStreamHandlers } from './market-data.provider';

/** Binance's most streams on one websocket connection. */
export const BINANCE_MAX_STREAMS_PER_CONNECTION = 1024;
/** Streams named in one SUBSCRIBE message. */
const STREAMS_PER_SUBSCRIBE = 200;
/**
 * Least time between two messages sent on one connection: Binance drops a connection that sends
 * more than 5 a second, pongs included, so subscriptions go out at most 3-4 a second.
 */
const MESSAGE_SPACING_MS = 300;
const SUBSCRIBE_TIMEOUT_MS = 10_000;

export interface BinanceKlineStreamOptions {
  /** `wss://stream.binance.com:9443`; the combined stream path `/stream` is appended. */
  baseUrl: string;
  markets: readonly ExchangeMarket[];
  handlers: LiveStreamHandlers;
  clock?: () => number;
  /** Reconnect backoff: first delay and cap (full jitter in between). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A connection silent this long (no message, no ping) is considered dead. Binance pings every 20 s. */
  silenceTimeoutMs?: number;
  /** Streams (market and interval) per connection; more markets open more connections. Binance: 1,024. */
  maxStreamsPerConnection?: number;
  /** Least ms between two SUBSCRIBE messages on one connection (default 300: under Binance's 5 a second). */
  messageSpacingMs?: number;
}

interface BinanceKlineEvent {
  e: string;
  E: number;
  s: string;
  k: {
    t: number;
    T: number;
    s: string;
    i: string;
    o: string;
    c: string;
    h: string;
    l: string;
    v: string;
    n: number;
    x: boolean;
    q: string;
    V: string;
    Q: string;
  };
}

/** A kline stream's name: `btcusdt@kline_1m`. */
function klineStreamName(market: ExchangeMarket): string {
  return `${market.symbol.toLowerCase()}@kline_${market.interval}`;
}

/** The combined-stream endpoint (`<base>/stream`), subscribed to by SUBSCRIBE messages. */
function combinedStreamEndpoint(baseUrl: string): string {
  return `${baseUrl.replace(/\/(ws|stream)\/?$/, '').replace(/\/$/, '')}/stream`;
}

function candleFromKline(k: BinanceKlineEvent['k']): Candle {
  return {
    openTime: k.t,
    open: Number(k.o),
    high: Number(k.h),
    low: Number(k.l),
    close: Number(k.c),
    volume: Number(k.v),
    quoteVolume: Number(k.q),
    tradeCount: k.n,
    takerBuyBaseVolume: Number(k.V),
    takerBuyQuoteVolume: Number(k.Q),
  };
}

/**
 * Binance's combined kline stream for many markets: one websocket per up to
 * `maxStreamsPerConnection` streams (Binance allows 1,024), each subscribed by paced SUBSCRIBE
 * messages and reconnecting on its own, so a dropped connection touches only its markets.
 */
export class BinanceKlineStream implements LiveStream {
  private readonly connections: KlineConnection[];

  constructor(options: BinanceKlineStreamOptions) {
    const perConnection = Math.min(
      options.maxStreamsPerConnection ?? BINANCE_MAX_STREAMS_PER_CONNECTION,
      BINANCE_MAX_STREAMS_PER_CONNECTION,
    );
    this.connections = [];
    for (let first = 0; first < options.markets.length; first += perConnection) {
      this.connections.push(
        new KlineConnection(options, options.markets.slice(first, first + perConnection), {
          number: this.connections.length + 1,
          of: Math.ceil(options.markets.length / perConnection),
        }),
      );
    }
  }

  get connected(): boolean {
    return this.connections.every((connection) => connection.connected);
  }

  /** Websocket connections this stream keeps. */
  get connectionCount(): number {
    return this.connections.length;
  }

  async close(): Promise<void> {
    await Promise.all(this.connections.map((connection) => connection.close()));
  }
}

/**
 * One websocket carrying some of the markets. Pongs are sent by `ws` automatically; a silent
 * connection is dropped; every disconnect (including Binance's 24 h cut) reconnects with
 * exponential backoff and full jitter, and counts as connected again once every SUBSCRIBE is
 * acknowledged.
 */
class KlineConnection {
  private readonly logger = new Logger(BinanceKlineStream.name);
  private readonly url: string;
  private readonly name: string;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly silenceTimeoutMs: number;
  private readonly messageSpacingMs: number;
  private socket?: WebSocket;
  private attempt = 0;
  private everConnected = false;
  private closed = false;
  private reconnectTimer?: NodeJS.Timeout;
  private silenceTimer?: NodeJS.Timeout;
  private isConnected = false;
  private nextRequestId = 1;
  /** SUBSCRIBE requests sent and not yet answered, by id. */
  private readonly pending = new Map<number, () => void>();

  constructor(
    private readonly options: BinanceKlineStreamOptions,
    private readonly markets: readonly ExchangeMarket[],
    position: { number: number; of: number },
  ) {
    this.url = combinedStreamEndpoint(options.baseUrl);
    this.name = position.of > 1 ? `Kline stream ${position.number}/${position.of}` : 'Kline stream';
    this.backoffBaseMs = options.backoffBaseMs ?? 500;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.silenceTimeoutMs = options.silenceTimeoutMs ?? 70_000;
    this.messageSpacingMs = options.messageSpacingMs ?? MESSAGE_SPACING_MS;
    this.connect();
  }

  get connected(): boolean {
    return this.isConnected;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.silenceTimer);
    const socket = this.socket;
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.close();
        setTimeout(() => {
          socket.terminate();
          resolve();
        }, 1000).unref();
      });
    }
  }

  private connect(): void {
    const socket = new WebSocket(this.url, { handshakeTimeout: 10_000 });
    this.socket = socket;
    socket.on('open', () => {
      this.touch();
      void this.subscribe(socket);
    });
    socket.on('ping', () => this.touch());
    socket.on('message', (data: WebSocket.RawData) => {
      this.touch();
      this.handleMessage(data.toString());
    });
    socket.on('error', (error) => {
      this.logger.warn(`${this.name} error: ${error.message}`);
    });
    socket.on('close', (code, reason) => {
      this.isConnected = false;
      this.pending.clear();
      clearTimeout(this.silenceTimer);
      if (this.closed) {
        return;
      }
      const retryInMs = this.nextDelay();
      const why = `closed with code ${code}${reason.length ? ` (${reason.toString()})` : ''}`;
      this.logger.warn(`${this.name} ${why}; reconnecting in ${retryInMs} ms`);
      this.options.handlers.onDisconnected({ reason: why, retryInMs, markets: this.markets });
      this.reconnectTimer = setTimeout(() => this.connect(), retryInMs);
    });
  }

  /**
   * Subscribes this connection's streams, a batch a message, one message at a time and at most
   * one per `messageSpacingMs`; reports the connection once the last one is acknowledged.
   */
  private async subscribe(socket: WebSocket): Promise<void> {
    const names = this.markets.map(klineStreamName);
    for (let first = 0; first < names.length; first += STREAMS_PER_SUBSCRIBE) {
      if (first > 0) {
        await new Promise((resolve) => setTimeout(resolve, this.messageSpacingMs));
      }
      if (socket !== this.socket || socket.readyState !== WebSocket.OPEN) {
        return;
      }
      const id = this.nextRequestId++;
      const acknowledged = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), SUBSCRIBE_TIMEOUT_MS);
        this.pending.set(id, () => {
          clearTimeout(timer);
          resolve(true);
        });
        socket.once('close', () => {
          clearTimeout(timer);
          resolve(false);
        });
      });
      socket.send(
        JSON.stringify({
          method: 'SUBSCRIBE',
          params: names.slice(first, first + STREAMS_PER_SUBSCRIBE),
          id,
        }),
      );
      if (!(await acknowledged)) {
        if (socket === this.socket && socket.readyState === WebSocket.OPEN) {
          this.logger.warn(`${this.name}: SUBSCRIBE ${id} got no answer; reconnecting`);
          socket.terminate();
        }
        return;
      }
    }
    if (socket !== this.socket || socket.readyState !== WebSocket.OPEN) {
      return;
    }
    this.isConnected = true;
    this.attempt = 0;
    const reconnect = this.everConnected;
    this.everConnected = true;
    this.logger.log(`${this.name} connected to ${this.url} for ${this.markets.length} market(s)`);
    this.options.handlers.onConnected({ reconnect, markets: this.markets });
  }

  private handleMessage(text: string): void {
    let message:
      | { stream?: string; data?: BinanceKlineEvent }
      | BinanceKlineEvent
      | { id?: unknown; result?: unknown; error?: { code?: number; msg?: string } };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      this.logger.warn(`${this.name} sent a message that is not JSON: ${text.slice(0, 80)}`);
      return;
    }
    if ('id' in message && typeof message.id === 'number') {
      if ('error' in message && message.error) {
        this.logger.warn(
          `${this.name} refused request ${message.id}: ${message.error.msg ?? 'no reason given'}`,
        );
      }
      this.pending.get(message.id)?.();
      this.pending.delete(message.id);
      return;
    }
    const event = 'data' in message ? message.data : (message as BinanceKlineEvent);
    if (!event || event.e !== 'kline' || !event.k) {
      return;
    }
    this.options.handlers.onKline({
      symbol: event.k.s,
      interval: event.k.i,
      candle: candleFromKline(event.k),
      closed: event.k.x === true,
      eventTime: event.E,
    });
  }

  /** Any sign of life resets the silence timer; silence past the timeout drops the socket. */
  private touch(): void {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => {
      this.logger.warn(`${this.name} silent for ${this.silenceTimeoutMs} ms; dropping it`);
      this.socket?.terminate();
    }, this.silenceTimeoutMs);
    this.silenceTimer.unref();
  }

  private nextDelay(): number {
    const ceiling = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** this.attempt);
    this.attempt += 1;
    return Math.round(this.backoffBaseMs / 2 + Math.random() * (ceiling - this.backoffBaseMs / 2));
  }
}
