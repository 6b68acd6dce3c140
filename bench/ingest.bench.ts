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
import { KlinesImportService } from '../src/market-data/import/klines-import.service';

/**
 * `npm run bench:ingest`: candle ingestion, each figure next to a reference measured in the same run.
 *
 * 1. Import of IMPORT_ROWS candles from a Binance dump file through the import service (parse,
 *    validate, COPY into staging, INSERT ... ON CONFLICT) against a raw COPY of the same file into
 *    a scratch table with no checks (target: at least 50% of raw COPY).
 *
 * Still to come (they need the exchange simulator): backfill over HTTP in candles/s, and the
 * live path's closed-kline-to-published latency.
 *
 * Environment: BENCH_IMPORT_ROWS (default 1,000,000),
 * DATABASE_URL / REDIS_URL like the service (a scratch database and key prefix are used).
 */
const IMPORT_ROWS = Number(process.env.BENCH_IMPORT_ROWS ?? 1_000_000);
const RUN = `cft_bench_${Date.now().toString(36)}`;

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

async function dropScratch(config: AppConfig): Promise<void> {
  const admin = new URL(config.get('DATABASE_URL'));
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${RUN}" WITH (FORCE)`);
  await client.end();
}

async function main(): Promise<void> {
  const config = configFor();
  try {
    await importBench(config);
  } finally {
    await dropScratch(config);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
