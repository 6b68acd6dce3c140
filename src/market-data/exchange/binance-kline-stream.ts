import { Logger } from '@nestjs/common';
import WebSocket from 'ws';
import type { Candle } from '../candle';
import type { ExchangeMarket, LiveStream, LiveStreamHandlers } from './market-data.provider';

export interface BinanceKlineStreamOptions {
  /** `wss://stream.binance.com:9443`; the combined stream path is appended. */
  baseUrl: string;
  markets: readonly ExchangeMarket[];
  handlers: LiveStreamHandlers;
  clock?: () => number;
  /** Reconnect backoff: first delay and cap (full jitter in between). */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** A connection silent this long (no message, no ping) is considered dead. Binance pings every 20 s. */
  silenceTimeoutMs?: number;
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

/** The combined-stream URL for many markets: `<base>/stream?streams=btcusdt@kline_1m/...`. */
export function combinedStreamUrl(baseUrl: string, markets: readonly ExchangeMarket[]): string {
  const streams = markets
    .map((market) => `${market.symbol.toLowerCase()}@kline_${market.interval}`)
    .join('/');
  return `${baseUrl.replace(/\/(ws|stream)\/?$/, '').replace(/\/$/, '')}/stream?streams=${streams}`;
}

export function candleFromKline(k: BinanceKlineEvent['k']): Candle {
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
 * One websocket for every configured market on Binance's combined kline stream. Pongs are sent
 * by `ws` automatically; a silent connection is dropped; every disconnect (including Binance's
 * 24 h cut) reconnects with exponential backoff and full jitter.
 */
export class BinanceKlineStream implements LiveStream {
  private readonly logger = new Logger(BinanceKlineStream.name);
  private readonly url: string;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly silenceTimeoutMs: number;
  private socket?: WebSocket;
  private attempt = 0;
  private everConnected = false;
  private closed = false;
  private reconnectTimer?: NodeJS.Timeout;
  private silenceTimer?: NodeJS.Timeout;
  private isConnected = false;

  constructor(private readonly options: BinanceKlineStreamOptions) {
    this.url = combinedStreamUrl(options.baseUrl, options.markets);
    this.backoffBaseMs = options.backoffBaseMs ?? 500;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.silenceTimeoutMs = options.silenceTimeoutMs ?? 70_000;
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
      this.isConnected = true;
      this.attempt = 0;
      this.touch();
      const reconnect = this.everConnected;
      this.everConnected = true;
      this.logger.log(
        `Kline stream connected to ${this.url.split('?')[0]} for ${this.options.markets.length} market(s)`,
      );
      this.options.handlers.onConnected({ reconnect });
    });
    socket.on('ping', () => this.touch());
    socket.on('message', (data: WebSocket.RawData) => {
      this.touch();
      this.handleMessage(data.toString());
    });
    socket.on('error', (error) => {
      this.logger.warn(`Kline stream error: ${error.message}`);
    });
    socket.on('close', (code, reason) => {
      this.isConnected = false;
      clearTimeout(this.silenceTimer);
      if (this.closed) {
        return;
      }
      const retryInMs = this.nextDelay();
      const why = `closed with code ${code}${reason.length ? ` (${reason.toString()})` : ''}`;
      this.logger.warn(`Kline stream ${why}; reconnecting in ${retryInMs} ms`);
      this.options.handlers.onDisconnected({ reason: why, retryInMs });
      this.reconnectTimer = setTimeout(() => this.connect(), retryInMs);
    });
  }

  private handleMessage(text: string): void {
    let message: { stream?: string; data?: BinanceKlineEvent } | BinanceKlineEvent;
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      this.logger.warn(`Kline stream sent a message that is not JSON: ${text.slice(0, 80)}`);
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
      this.logger.warn(`Kline stream silent for ${this.silenceTimeoutMs} ms; dropping it`);
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
