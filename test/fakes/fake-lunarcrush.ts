import type { IncomingMessage, ServerResponse } from 'node:http';
import { seededRandom } from '../../src/common/seeded-random';
import { FakeHttpApi } from './fake-http-api';

/** Ways `malformNext` breaks the next time-series response (status stays 200). */
export type LunarCrushMalformation =
  | 'not-json'
  | 'truncated'
  | 'missing-data'
  | 'data-not-array'
  | 'time-not-number'
  | 'sentiment-out-of-range'
  | 'negative-interactions'
  | 'off-grid-time';

export interface FakeLunarCrushRequest {
  path: string;
  query: Record<string, string>;
  /** The `Authorization` header as received. */
  authorization: string | undefined;
}

export interface FakeLunarCrushOptions {
  /** The bearer key the fake accepts (default `test-lunarcrush-key`). */
  apiKey?: string;
  /** Seeds the generated metrics; the same seed always serves the same numbers. */
  seed?: number;
  /** First bucket start served (epoch ms, default 2020-01-01). */
  historyFrom?: number;
  /** Last bucket start served (epoch ms); by default the current hour, still filling, as LunarCrush does. */
  historyTo?: number;
  /** Answer 429 (with Retry-After) to requests beyond this many in a rolling minute. */
  rateLimitPerMinute?: number;
}

interface Coin {
  id: number;
  symbol: string;
  name: string;
  topic: string;
  price: number;
  supply: number;
}

/** The coins the fake knows; `:coin` may be the symbol (any case) or the numeric id. */
const COINS: Coin[] = [
  { id: 1, symbol: 'BTC', name: 'Bitcoin', topic: 'bitcoin', price: 30_000, supply: 18_600_000 },
  { id: 2, symbol: 'ETH', name: 'Ethereum', topic: 'ethereum', price: 1_500, supply: 114_000_000 },
  { id: 3, symbol: 'SOL', name: 'Solana', topic: 'solana', price: 20, supply: 270_000_000 },
  { id: 4, symbol: 'ADA', name: 'Cardano', topic: 'cardano', price: 0.5, supply: 31_000_000_000 },
];

const BUCKET_SECONDS: Record<string, number> = { hour: 3600, day: 86_400 };
const INTERVAL_DAYS: Record<string, number> = {
  '1d': 1,
  '1w': 7,
  '1m': 30,
  '3m': 90,
  '6m': 180,
  '1y': 365,
};
const METRICS = [
  'contributors_active',
  'contributors_created',
  'interactions',
  'posts_active',
  'posts_created',
  'sentiment',
  'spam',
  'alt_rank',
  'circulating_supply',
  'open',
  'high',
  'low',
  'close',
  'galaxy_score',
  'market_cap',
  'market_dominance',
  'social_dominance',
  'volume_24h',
];

function mix(...values: number[]): number {
  let hash = 2166136261;
  for (const value of values) {
    hash = Math.imul(hash ^ (value >>> 0), 16777619);
    hash = Math.imul(hash ^ Math.floor(value / 4294967296), 16777619);
  }
  return hash >>> 0;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * A fake LunarCrush API v4 for tests: `GET /api4/public/coins/:coin/time-series/v2` with the real
 * response shape (`{config, data}`), bearer-key auth (401 `{"error": ...}`), `bucket`, `start`,
 * `end` and `interval` honoured. Points come from a seeded generator (no real LunarCrush data
 * exists in this project), smooth daily and weekly cycles plus noise; every 29th hour lacks
 * `galaxy_score` and `alt_rank`, every 31st has `spam` and `social_dominance` null. Faults:
 * `failNext` (any status, optional Retry-After), `malformNext`, a rolling rate limit.
 */
export class FakeLunarCrush extends FakeHttpApi<LunarCrushMalformation> {
  readonly requests: FakeLunarCrushRequest[] = [];
  readonly apiKey: string;
  private readonly seed: number;
  private readonly historyFrom: number;
  private readonly served: number[] = [];

  private constructor(private readonly options: FakeLunarCrushOptions) {
    super();
    this.apiKey = options.apiKey ?? 'test-lunarcrush-key';
    this.seed = options.seed ?? 1;
    this.historyFrom = options.historyFrom ?? Date.UTC(2020, 0, 1);
  }

  static async start(options: FakeLunarCrushOptions = {}): Promise<FakeLunarCrush> {
    const fake = new FakeLunarCrush(options);
    await fake.listen();
    return fake;
  }

  /**
   * The data item the fake serves for `coin` at bucket start `time` (unix seconds), exactly as
   * sent; tests compare the source's mapping against it.
   */
  item(coin: string, time: number, bucket: 'hour' | 'day' = 'hour'): Record<string, unknown> {
    const known = this.coin(coin);
    if (!known) {
      throw new Error(`The fake LunarCrush does not know the coin ${coin}`);
    }
    return this.generate(known, time, BUCKET_SECONDS[bucket] ?? 3600);
  }

  private coin(key: string): Coin | undefined {
    const upper = key.toUpperCase();
    return COINS.find((coin) => coin.symbol === upper || String(coin.id) === key);
  }

  private generate(coin: Coin, time: number, bucketSeconds: number): Record<string, unknown> {
    const next = seededRandom(mix(this.seed, coin.id, time, bucketSeconds));
    const hours = time / 3600;
    const day = Math.sin((2 * Math.PI * hours) / 24);
    const week = Math.sin((2 * Math.PI * hours) / (24 * 7) + coin.id);
    const scale = bucketSeconds / 3600;
    const interactions = Math.floor(
      (2_000_000 / coin.id) * scale * (1 + 0.3 * day) * (0.8 + 0.4 * next()),
    );
    const contributorsActive = Math.floor(interactions / (180 + 40 * next()));
    const postsActive = Math.floor(contributorsActive * (1.5 + next()));
    const open = coin.price * (1 + 0.2 * Math.sin((2 * Math.PI * hours) / (24 * 30) + coin.id));
    const close = open * (1 + 0.02 * (next() - 0.5));
    const high = Math.max(open, close) * (1 + 0.01 * next());
    const low = Math.min(open, close) * (1 - 0.01 * next());
    const item: Record<string, unknown> = {
      time,
      contributors_active: contributorsActive,
      contributors_created: Math.floor(contributorsActive * 0.1 * next()),
      interactions,
      posts_active: postsActive,
      posts_created: Math.floor(postsActive * 0.08 * (0.5 + next())),
      sentiment: Math.round(clamp(72 + 12 * week + 10 * (next() - 0.5), 0, 100)),
      spam: Math.floor(postsActive * 0.05 * next()),
      alt_rank: 1 + Math.floor(next() * 400),
      circulating_supply: coin.supply,
      open: round(open, 6),
      high: round(high, 6),
      low: round(low, 6),
      close: round(close, 6),
      galaxy_score: round(clamp(55 + 15 * week + 6 * (next() - 0.5), 0, 100), 1),
      market_cap: round(close * coin.supply, 2),
      market_dominance: round(clamp(45 / coin.id + 2 * (next() - 0.5), 0, 100), 4),
      social_dominance: round(clamp(25 / coin.id + 4 * (next() - 0.5), 0, 100), 4),
      volume_24h: round(close * coin.supply * 0.03 * (0.5 + next()), 2),
    };
    const index = Math.floor(time / bucketSeconds);
    if (index % 29 === 0) {
      delete item.galaxy_score;
      delete item.alt_rank;
    }
    if (index % 31 === 0) {
      item.spam = null;
      item.social_dominance = null;
    }
    return item;
  }

  protected handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    const authorization = request.headers.authorization;
    this.requests.push({
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorization,
    });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      response.end(typeof body === 'string' ? body : JSON.stringify(body));
    };

    const failure = this.takeFailure();
    if (failure) {
      const message =
        failure.status === 429
          ? 'Too many requests, please slow down'
          : failure.status === 401 || failure.status === 403
            ? 'Unauthorized: invalid or missing API key'
            : 'Internal server error';
      send(
        failure.status,
        { error: message },
        failure.retryAfter === undefined ? {} : { 'retry-after': failure.retryAfter },
      );
      return;
    }
    if (authorization !== `Bearer ${this.apiKey}`) {
      send(401, { error: 'Unauthorized: invalid or missing API key' });
      return;
    }
    const limit = this.options.rateLimitPerMinute;
    if (limit !== undefined) {
      const now = Date.now();
      while ((this.served[0] ?? Infinity) <= now - 60_000) {
        this.served.shift();
      }
      const oldest = this.served[0];
      if (oldest !== undefined && this.served.length >= limit) {
        const waitSeconds = Math.ceil((oldest + 60_000 - now) / 1000);
        send(
          429,
          { error: 'Too many requests, please slow down' },
          { 'retry-after': String(waitSeconds) },
        );
        return;
      }
      this.served.push(now);
    }
    const route = /^\/api4\/public\/coins\/([^/]+)\/time-series\/v2\/?$/.exec(url.pathname);
    const coin = route?.[1];
    if (coin === undefined) {
      send(404, { error: 'Not found' });
      return;
    }
    this.timeSeries(decodeURIComponent(coin), url.searchParams, send);
  }

  private timeSeries(
    key: string,
    params: URLSearchParams,
    send: (status: number, body: unknown, headers?: Record<string, string>) => void,
  ): void {
    const coin = this.coin(key);
    if (!coin) {
      send(404, { error: `Coin ${key} not found` });
      return;
    }
    const bucket = params.get('bucket') ?? 'hour';
    const bucketSeconds = BUCKET_SECONDS[bucket];
    if (bucketSeconds === undefined) {
      send(400, { error: `Invalid bucket ${bucket}: use hour or day` });
      return;
    }
    const interval = params.get('interval') ?? '1w';
    const nowSeconds = Math.floor(Date.now() / 1000);
    const seconds = (name: string, fallback: number): number | undefined => {
      const text = params.get(name);
      return text === null ? fallback : /^\d+$/.test(text) ? Number(text) : undefined;
    };
    const end = seconds('end', nowSeconds);
    const start = seconds(
      'start',
      interval === 'all'
        ? this.historyFrom / 1000
        : (end ?? nowSeconds) - (INTERVAL_DAYS[interval] ?? 7) * 86_400,
    );
    if (start === undefined || end === undefined) {
      send(400, { error: 'start and end must be unix timestamps in seconds' });
      return;
    }
    const servedTo = Math.floor((this.options.historyTo ?? Date.now()) / 1000);
    const first =
      Math.ceil(Math.max(start, this.historyFrom / 1000) / bucketSeconds) * bucketSeconds;
    const last = Math.min(end, servedTo);
    const data: Record<string, unknown>[] = [];
    for (let time = first; time <= last; time += bucketSeconds) {
      data.push(this.generate(coin, time, bucketSeconds));
    }
    const config = {
      coin: String(coin.id),
      topic: coin.topic,
      id: coin.id,
      name: coin.name,
      symbol: coin.symbol,
      interval: params.has('start') ? 'custom' : interval,
      start,
      end,
      bucket,
      metrics: METRICS,
      generated: nowSeconds,
    };
    const kind = this.takeMalformation();
    if (kind === undefined) {
      send(200, { config, data });
      return;
    }
    switch (kind) {
      case 'not-json':
        send(200, '<html><body><h1>502 Bad Gateway</h1></body></html>', {
          'content-type': 'text/html',
        });
        return;
      case 'truncated':
        send(200, JSON.stringify({ config, data }).slice(0, 200));
        return;
      case 'missing-data':
        send(200, { config });
        return;
      case 'data-not-array':
        send(200, { config, data: { items: data } });
        return;
      case 'time-not-number':
        send(200, { config, data: this.spoil(data, 'time', (value) => String(value)) });
        return;
      case 'sentiment-out-of-range':
        send(200, { config, data: this.spoil(data, 'sentiment', () => 140) });
        return;
      case 'negative-interactions':
        send(200, { config, data: this.spoil(data, 'interactions', () => -5) });
        return;
      case 'off-grid-time':
        send(200, { config, data: this.spoil(data, 'time', (value) => Number(value) + 1800) });
        return;
    }
  }

  /** Replaces one field of the middle item (or adds an item when there are none). */
  private spoil(
    data: Record<string, unknown>[],
    field: string,
    replace: (value: unknown) => unknown,
  ): Record<string, unknown>[] {
    const copy = data.length > 0 ? [...data] : [{ time: 1_600_000_000 }];
    const index = Math.floor(copy.length / 2);
    const point = copy[index] ?? {};
    copy[index] = { ...point, [field]: replace(point[field]) };
    return copy;
  }
}
