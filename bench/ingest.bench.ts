import { backfillBench } from './ingest/backfill';
import { importBench } from './ingest/import';
import { liveBench } from './ingest/live';
import { configFor, dropScratch } from './ingest/scratch-app';

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

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  if (!only || only === 'import') {
    const config = configFor();
    try {
      await importBench(config, IMPORT_ROWS);
    } finally {
      await dropScratch(config);
    }
  }
  if (!only || only === 'backfill') {
    await backfillBench(BACKFILL_CANDLES);
  }
  if (!only || only === 'live') {
    await liveBench({ candles: LIVE_CANDLES, warmup: LIVE_WARMUP });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
