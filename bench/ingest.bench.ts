import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import pino from 'pino';
import { AppModule } from '../src/app.module';
import { AppConfig } from '../src/config/app-config';
import Redis from 'ioredis';
import type { Candle } from '../src/market-data/candle';
import { CANDLE_CLOSED } from '../src/market-data/candle-events';
import { KlinesImportService } from '../src/market-data/import/klines-import.service';
import { LiveCandlesService } from '../src/market-data/stream/live-candles.service';
import { CandleSyncService } from '../src/market-data/sync/candle-sync.service';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { describeLatencies, describeWarmup, percentile, waitUntil } from './bench-server';

/**
 * `npm run bench:ingest`: candle ingestion, each figure next to a reference measured in the same run.
 *
 * 1. Import of IMPORT_ROWS candles from a Binance dump file through the import service (parse,
 *    validate, COPY into staging, INSERT ... ON CONFLICT) against a raw COPY of the same file into
 *    a scratch table with no checks (target: at least 50% of raw COPY).
 *
 * 2. Backfill of BENCH_BACKFILL_CANDLES 1m candles from the exchange simulator over HTTP through the
 *    real provider (ccxt, Binance klines, 1000 a page) and bulk writes, against plain `fetch` of the
 *    same pages with JSON parsing and nothing else (target: at least 20,000 candles/s).
 * 3. Live path: a closed kline sent on the simulator's websocket -> candle row committed -> the
 *    `candle.closed` event received by a Redis subscriber, p50 / p99 over BENCH_LIVE_CANDLES after
 *    BENCH_LIVE_WARMUP uncounted ones, against a bare Redis PUBLISH -> subscriber round trip
 *    (target: p99 under 20 ms).
 *
 * Environment: BENCH_IMPORT_ROWS (default 1,000,000), BENCH_BACKFILL_CANDLES (500,000),
 * BENCH_LIVE_CANDLES (1000), BENCH_LIVE_WARMUP (20), BENCH_ONLY (import | backfill | live),
 * DATABASE_URL / REDIS_URL like the service (a scratch database and key prefix are used).
 */
const IMPORT_ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000);
const BACKFILL_CANDLES = Number(process.env.BENCH_BACKFILL_CANDLES ?? 500_000);
const LIVE_CANDLES = Number(process.env.BENCH_LIVE_CANDLES ?? 1000);
const LIVE_WARMUP = Number(process.env.BENCH_LIVE_WARMUP ?? 20);
const RUN = `cft_bench_${Date.now().toString(36)}`;
const MINUTE_MS = 60_000;

/** A deterministic random walk written as a Binance 1m dump (12 columns, no header). */
async function writeDump(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  let price = 30_000;
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const start = Date.UTC(2020, 0, 1);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const open = price;
    const close = Math.max(1, open * (1 + (random() - 0.5) * 0.004));
    const high = Math.max(open, close) * (1 + random() * 0.001);
    const low = Math.min(open, close) * (1 - random() * 0.001);
    const volume = 1 + random() * 50;
    const openTime = start + i * 60_000;
    chunk += `${openTime},${open.toFixed(2)},${high.toFixed(2)},${low.toFixed(2)},${close.toFixed(2)},${volume.toFixed(6)},${openTime + 59_999},${(volume * close).toFixed(8)},${Math.round(volume * 30)},${(volume / 2).toFixed(6)},${((volume * close) / 2).toFixed(8)},0\n`;
    price = close;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) {
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      chunk = '';
    }
  }
  out.end(chunk);
  await new Promise<void>((resolve) => out.once('finish', () => resolve()));
}

function configFor(overrides: Record<string, string> = {}): AppConfig {
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/${RUN}`;
  return AppConfig.fromEnv({
    ...process.env,
    DATABASE_URL: base.toString(),
    REDIS_PREFIX: RUN,
    LOG_LEVEL: 'warn',
    LIVE_STREAM: 'false',
    ...overrides,
  });
}

async function withContext<T>(
  config: AppConfig,
  work: (app: INestApplicationContext) => Promise<T>,
  worker = false,
): Promise<T> {
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({
      config,
      rootLogger: pino({ level: 'warn' }),
      roles: { api: false, worker },
    }),
    { logger: ['error', 'warn'] },
  );
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

async function importBench(config: AppConfig): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cft-bench-'));
  const file = join(dir, 'BTCUSDT-1m.csv');
  try {
    await writeDump(file, IMPORT_ROWS);
    const size = (await stat(file)).size;
    console.log(
      `\n1. Import of ${IMPORT_ROWS.toLocaleString('en')} candles (${(size / 1e6).toFixed(0)} MB Binance dump)`,
    );

    const { rawMs, importMs } = await withContext(config, async (app) => {
      // The context has created and migrated the scratch database.
      const client = new Client({ connectionString: config.get('DATABASE_URL') });
      await client.connect();
      await client.query(`CREATE TABLE raw_dump (open_time bigint, open float8, high float8, low float8,
        close float8, volume float8, close_time bigint, quote_volume float8, trade_count int,
        taker_buy_base_volume float8, taker_buy_quote_volume float8, ignored text)`);
      const rawStarted = performance.now();
      await pipeline(
        createReadStream(file),
        client.query(copyFrom(`COPY raw_dump FROM STDIN WITH (FORMAT csv)`)),
      );
      const raw = performance.now() - rawStarted;
      await client.query('DROP TABLE raw_dump');
      await client.end();

      const started = performance.now();
      const summary = await app
        .get(KlinesImportService)
        .import({ symbol: 'BTC', interval: '1m', paths: [file] });
      const elapsed = performance.now() - started;
      if (summary.inserted !== IMPORT_ROWS) {
        throw new Error(`import inserted ${summary.inserted} of ${IMPORT_ROWS} rows`);
      }
      return { rawMs: raw, importMs: elapsed };
    });
    const rawRate = IMPORT_ROWS / (rawMs / 1000);
    const importRate = IMPORT_ROWS / (importMs / 1000);
    console.log(
      `   raw COPY of the file into a scratch table (no key, no checks): ${Math.round(rawRate).toLocaleString('en')} rows/s (${(rawMs / 1000).toFixed(1)} s)`,
    );
    console.log(
      `   import-klines (parse, validate, upsert): ${Math.round(importRate).toLocaleString('en')} rows/s (${(importMs / 1000).toFixed(1)} s)`,
    );
    console.log(
      `   ratio: ${((importRate / rawRate) * 100).toFixed(0)}% of raw COPY (target >= 50%)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function rate(count: number, ms: number): string {
  return `${Math.round(count / (ms / 1000)).toLocaleString('en')} candles/s (${(ms / 1000).toFixed(1)} s)`;
}

async function backfillBench(): Promise<void> {
  const origin = Date.UTC(2021, 0, 1);
  const simulator = await ExchangeSimulator.start({
    speed: 0,
    startTime: origin + (BACKFILL_CANDLES + 1) * MINUTE_MS,
    markets: [
      {
        symbol: 'BTCUSDT',
        baseAsset: 'BTC',
        quoteAsset: 'USDT',
        intervals: ['1m'],
        source: { kind: 'generated', origin, seed: 'bench' },
      },
    ],
  });
  const to = origin + (BACKFILL_CANDLES - 1) * MINUTE_MS;
  try {
    console.log(
      `\n2. Backfill of ${BACKFILL_CANDLES.toLocaleString('en')} 1m candles from the simulator over HTTP`,
    );
    // Reference first: it also makes the simulator generate (and keep) every candle.
    const plainStarted = performance.now();
    let plainCount = 0;
    for (let from = origin; from <= to;) {
      const response = await fetch(
        `${simulator.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${from}&endTime=${to}&limit=1000`,
      );
      const rows = (await response.json()) as [number][];
      plainCount += rows.length;
      from = rows[rows.length - 1]![0] + MINUTE_MS;
    }
    const plainMs = performance.now() - plainStarted;
    const config = configFor({
      DATABASE_URL: scratchUrl(`${RUN}_backfill`),
      SYMBOLS: 'BTC',
      INTERVALS: '1m',
      EXCHANGE: 'binance',
      EXCHANGE_REST_URL: simulator.restUrl,
      EXCHANGE_WS_URL: simulator.wsUrl,
    });
    const { serviceMs, inserted } = await withContext(
      config,
      async (app) => {
        const started = performance.now();
        const outcome = await app
          .get(CandleSyncService)
          .backfill({ symbol: 'BTC', interval: '1m', from: origin, to });
        return { serviceMs: performance.now() - started, inserted: outcome.inserted };
      },
      true,
    );
    if (inserted !== BACKFILL_CANDLES || plainCount !== BACKFILL_CANDLES) {
      throw new Error(
        `backfill stored ${inserted} and plain fetch read ${plainCount} of ${BACKFILL_CANDLES} candles`,
      );
    }
    console.log(`   plain fetch + JSON.parse of the same pages: ${rate(plainCount, plainMs)}`);
    console.log(
      `   backfill (ccxt provider, validation, bulk upsert, gap check): ${rate(inserted, serviceMs)}`,
    );
    console.log(
      `   ratio: ${((plainMs / serviceMs) * 100).toFixed(0)}% of plain fetch; target >= 20,000 candles/s: ${
        inserted / (serviceMs / 1000) >= 20_000 ? 'met' : 'NOT met'
      }`,
    );
    await dropDatabase(config);
  } finally {
    await simulator.close();
  }
}

/** Sends `count` messages one at a time and waits for each to arrive; returns the latencies. */
/** Times `count` round trips after `warmup` ones (timed apart, not counted). */
async function roundTrips(params: {
  warmup: number;
  count: number;
  subscriber: Redis;
  send: (index: number) => Promise<void>;
  matches: (message: string, index: number) => boolean;
}): Promise<{ warmup: number[]; latencies: number[] }> {
  const warmup: number[] = [];
  const latencies: number[] = [];
  for (let i = 0; i < params.warmup + params.count; i++) {
    const arrived = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`message ${i} did not arrive within 5 s`)),
        5000,
      );
      const listener = (_channel: string, message: string) => {
        if (params.matches(message, i)) {
          clearTimeout(timer);
          params.subscriber.off('message', listener);
          resolve();
        }
      };
      params.subscriber.on('message', listener);
    });
    const started = performance.now();
    await params.send(i);
    await arrived;
    (i < params.warmup ? warmup : latencies).push(performance.now() - started);
  }
  return { warmup, latencies };
}

async function liveBench(): Promise<void> {
  const now = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const simulator = await ExchangeSimulator.start({
    speed: 0,
    markets: [
      {
        symbol: 'BTCUSDT',
        baseAsset: 'BTC',
        quoteAsset: 'USDT',
        intervals: ['1m'],
        source: { kind: 'generated', origin: now - 86_400_000, seed: 'live' },
      },
    ],
  });
  const prefix = `${RUN}_live`;
  const subscriber = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const publisher = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    console.log(
      `\n3. Live path over ${LIVE_CANDLES} closed klines after ${LIVE_WARMUP} warm-up ones (websocket -> row committed -> event received)`,
    );
    const referenceChannel = `${prefix}:reference`;
    await subscriber.subscribe(referenceChannel);
    const reference = await roundTrips({
      warmup: LIVE_WARMUP,
      count: LIVE_CANDLES,
      subscriber,
      send: async (i) => {
        await publisher.publish(referenceChannel, String(i));
      },
      matches: (message, i) => message === String(i),
    });
    await subscriber.unsubscribe(referenceChannel);

    const config = configFor({
      DATABASE_URL: scratchUrl(prefix),
      REDIS_PREFIX: prefix,
      SYMBOLS: 'BTC',
      INTERVALS: '1m',
      EXCHANGE: 'binance',
      EXCHANGE_REST_URL: simulator.restUrl,
      EXCHANGE_WS_URL: simulator.wsUrl,
      BACKFILL_FROM: new Date(now - 86_400_000).toISOString(),
      LIVE_STREAM: 'true',
    });
    await subscriber.subscribe(`${prefix}:events:${CANDLE_CLOSED}`);
    const service = await withContext(
      config,
      async (app) => {
        const live = app.get(LiveCandlesService);
        await waitUntil(() => live.isOwner && simulator.openConnections === 1, {
          timeoutMs: 15_000,
          intervalMs: 50,
          failure: 'the live stream did not connect within 15 s',
        });
        const candleAt = (i: number): Candle => {
          const close = 30_000 + (i % 100);
          return {
            openTime: now + (i + 1) * MINUTE_MS,
            open: 30_000,
            high: close + 5,
            low: 29_990,
            close,
            volume: 12.5,
            quoteVolume: 375_000,
            tradeCount: 420,
            takerBuyBaseVolume: 6,
            takerBuyQuoteVolume: 180_000,
          };
        };
        return roundTrips({
          warmup: LIVE_WARMUP,
          count: LIVE_CANDLES,
          subscriber,
          send: (i) => simulator.emit('BTCUSDT', '1m', candleAt(i), true),
          matches: (message, i) => message.includes(`"openTime":${candleAt(i).openTime}`),
        });
      },
      true,
    );
    console.log(`   bare Redis PUBLISH -> subscriber: ${describeLatencies(reference.latencies)}`);
    const warmupLine = describeWarmup(service.warmup);
    if (warmupLine) {
      console.log(warmupLine);
    }
    console.log(
      `   closed kline -> committed -> candle.closed received: ${describeLatencies(service.latencies)}`,
    );
    const p99 = percentile(
      [...service.latencies].sort((a, b) => a - b),
      99,
    );
    console.log(`   target p99 < 20 ms: ${p99 < 20 ? 'met' : 'NOT met'}`);
    await dropDatabase(config);
  } finally {
    subscriber.disconnect();
    publisher.disconnect();
    await simulator.close();
  }
}

function scratchUrl(name: string): string {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(config: AppConfig): Promise<void> {
  await dropScratch(config);
}

async function dropScratch(config: AppConfig): Promise<void> {
  const admin = new URL(config.get('DATABASE_URL'));
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(
    `DROP DATABASE IF EXISTS "${new URL(config.get('DATABASE_URL')).pathname.slice(1)}" WITH (FORCE)`,
  );
  await client.end();
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  if (!only || only === 'import') {
    const config = configFor();
    try {
      await importBench(config);
    } finally {
      await dropScratch(config);
    }
  }
  if (!only || only === 'backfill') {
    await backfillBench();
  }
  if (!only || only === 'live') {
    await liveBench();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
