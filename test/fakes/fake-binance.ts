import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Candle } from '../../src/market-data/candle';
import { INTERVAL_MS } from '../../src/market-data/market';

/** A fault the next REST requests get, as Binance sends it. */
interface Failure {
  status: 429 | 418 | 500;
  remaining: number;
  retryAfterSec: number;
}

/** Reads a `open_time_ms,open,high,low,close,volume` CSV into candles (other fields derived). */
export function readCandleCsv(path: string): Candle[] {
  return readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [openTime, open, high, low, close, volume] = line.split(',').map(Number) as [
        number,
        number,
        number,
        number,
        number,
        number,
      ];
      return {
        openTime,
        open,
        high,
        low,
        close,
        volume,
        quoteVolume: Math.round(volume * close * 1e4) / 1e4,
        tradeCount: Math.round(volume * 10),
        takerBuyBaseVolume: Math.round(volume * 5e5) / 1e6,
        takerBuyQuoteVolume: Math.round(volume * close * 5e3) / 1e4,
      };
    });
}

function row(candle: Candle, stepMs: number): unknown[] {
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

/**
 * A fake Binance spot API for tests, speaking the real wire format: `/api/v3/ping`, `/time`,
 * `/klines` (limit 1000, used-weight headers, Binance error bodies), and the combined kline
 * websocket stream (`/stream?streams=btcusdt@kline_1h/...`) with `x` = closed. Faults: 429 / 418
 * with Retry-After, withheld ranges, dropped connections.
 */
export class FakeBinance {
  /** Every REST request, as `path?query`. */
  readonly requests: string[] = [];
  private readonly series = new Map<string, Candle[]>();
  private readonly withheld: { key: string; from: number; to: number }[] = [];
  private failure?: Failure;
  private weight = 0;
  private readonly sockets = new Set<WebSocket>();
  private readonly subscriptions = new Map<WebSocket, Set<string>>();
  connectionsOpened = 0;

  private constructor(
    private readonly server: Server,
    private readonly wss: WebSocketServer,
  ) {}

  static async start(): Promise<FakeBinance> {
    const server = createServer();
    const wss = new WebSocketServer({ noServer: true });
    const fake = new FakeBinance(server, wss);
    server.on('request', (request, response) => fake.handle(request, response));
    server.on('upgrade', (request, socket, head) => {
      wss.handleUpgrade(request, socket, head, (ws) => fake.accept(ws, request));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  get restUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** Sets (replaces) the history of one market. */
  load(symbol: string, interval: string, candles: Candle[]): void {
    this.series.set(
      `${symbol}:${interval}`,
      [...candles].sort((a, b) => a.openTime - b.openTime),
    );
  }

  /** Adds a candle to REST history (as the exchange does once it closes). */
  append(symbol: string, interval: string, candle: Candle): void {
    const list = this.series.get(`${symbol}:${interval}`) ?? [];
    list.push(candle);
    list.sort((a, b) => a.openTime - b.openTime);
    this.series.set(`${symbol}:${interval}`, list);
  }

  failNext(failure: { status: 429 | 418 | 500; count: number; retryAfterSec: number }): void {
    this.failure = {
      status: failure.status,
      remaining: failure.count,
      retryAfterSec: failure.retryAfterSec,
    };
  }

  withhold(symbol: string, interval: string, from: number, to: number): void {
    this.withheld.push({ key: `${symbol}:${interval}`, from, to });
  }

  releaseAll(): void {
    this.withheld.length = 0;
  }

  /** Sends one kline event to every connection subscribed to its stream; resolves once written. */
  async emit(symbol: string, interval: string, candle: Candle, closed: boolean): Promise<void> {
    const stream = `${symbol.toLowerCase()}@kline_${interval}`;
    const stepMs = INTERVAL_MS[interval] ?? 60_000;
    const data = {
      e: 'kline',
      E: Date.now(),
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
    const message = JSON.stringify({ stream, data });
    const sends = [...this.sockets]
      .filter((ws) => this.subscriptions.get(ws)?.has(stream))
      .map((ws) => new Promise<void>((resolve) => ws.send(message, () => resolve())));
    await Promise.all(sends);
  }

  /** Cuts every websocket without a close frame, like a network failure or Binance's 24 h drop. */
  dropConnections(): void {
    for (const ws of this.sockets) {
      ws.terminate();
    }
  }

  async close(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(ws: WebSocket, request: IncomingMessage): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    const streams = new Set((url.searchParams.get('streams') ?? '').split('/').filter(Boolean));
    this.sockets.add(ws);
    this.subscriptions.set(ws, streams);
    this.connectionsOpened += 1;
    ws.on('close', () => {
      this.sockets.delete(ws);
      this.subscriptions.delete(ws);
    });
    ws.ping();
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    this.requests.push(`${url.pathname}${url.search}`);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, {
        'content-type': 'application/json;charset=UTF-8',
        'x-mbx-used-weight': String(this.weight),
        'x-mbx-used-weight-1m': String(this.weight),
        ...headers,
      });
      response.end(JSON.stringify(body));
    };
    if (this.failure && this.failure.remaining > 0 && url.pathname !== '/api/v3/ping') {
      this.failure.remaining -= 1;
      const { status, retryAfterSec } = this.failure;
      const msg =
        status === 418
          ? `Way too many requests; IP(127.0.0.1) banned until ${Date.now() + retryAfterSec * 1000}. Please use the websocket for live updates to avoid bans.`
          : status === 429
            ? 'Too many requests; current limit of IP(127.0.0.1) is 6000 requests per minute. Please use the websocket for live updates to avoid polling the API.'
            : 'Internal error';
      send(
        status,
        { code: status === 500 ? -1000 : -1003, msg },
        { 'retry-after': String(retryAfterSec) },
      );
      return;
    }
    switch (url.pathname) {
      case '/api/v3/ping':
        this.weight += 1;
        return send(200, {});
      case '/api/v3/time':
        this.weight += 1;
        return send(200, { serverTime: Date.now() });
      case '/api/v3/klines':
        this.weight += 2;
        return this.klines(url.searchParams, send);
      default:
        return send(404, { code: -1000, msg: 'Unknown path' });
    }
  }

  private klines(params: URLSearchParams, send: (status: number, body: unknown) => void): void {
    const symbol = params.get('symbol') ?? '';
    const interval = params.get('interval') ?? '';
    const stepMs = INTERVAL_MS[interval];
    if (!stepMs) {
      return send(400, { code: -1120, msg: 'Invalid interval.' });
    }
    const key = `${symbol}:${interval}`;
    const list = this.series.get(key);
    if (!list) {
      return send(400, { code: -1121, msg: 'Invalid symbol.' });
    }
    const limit = params.has('limit') ? Number(params.get('limit')) : 500;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      return send(400, { code: -1130, msg: "Data sent for parameter 'limit' is not valid." });
    }
    const from = params.has('startTime') ? Number(params.get('startTime')) : 0;
    const to = params.has('endTime') ? Number(params.get('endTime')) : Number.MAX_SAFE_INTEGER;
    const visible = list.filter(
      (candle) =>
        candle.openTime >= from &&
        candle.openTime <= to &&
        !this.withheld.some(
          (range) =>
            range.key === key && candle.openTime >= range.from && candle.openTime <= range.to,
        ),
    );
    const page =
      params.has('startTime') || !params.has('endTime')
        ? visible.slice(0, limit)
        : visible.slice(-limit);
    send(
      200,
      page.map((candle) => row(candle, stepMs)),
    );
  }
}
