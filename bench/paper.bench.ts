import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';
import { CANDLE_CLOSED, type CandleClosedEvent } from '../src/market-data/candle-events';
import type { Candle } from '../src/market-data/candle';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import {
  apiClient,
  describeLatencies,
  dropScratchDatabase,
  percentile,
  poll,
  scratchDatabaseUrl,
  simulatedServiceEnv,
  startServer,
} from './bench-server';

/**
 * npm run bench:paper — paper accounts on the live path, in one service process
 * (`main.js --with-worker`, as `npm start` runs it) fed by the exchange simulator's websocket:
 * BENCH_PAPER_ACCOUNTS (100) accounts on BENCH_PAPER_MARKETS (10) markets, each account on
 * BENCH_PAPER_MARKETS_PER_ACCOUNT (1: ten accounts per market; 10: every account on every
 * market, 1,000 books), following a rules-only strategy with a stop-loss. Each round closes one candle on every market at once; the
 * latency of a market's candle is from the closed kline sent to the last of its accounts' equity
 * rows written (the row's `written_at`, the database clock at the insert), p50 / p99 over
 * BENCH_PAPER_CANDLES (100) rounds x markets. Target p99 < 100 ms. Reference in the same run: the
 * same candles to the strategy's live signal stored (`signals.created_at`), which every paper
 * account's next fill reads.
 */
const HOUR_MS = 3_600_000;
const ACCOUNTS = Number(process.env.BENCH_PAPER_ACCOUNTS ?? 100);
const MARKETS = Number(process.env.BENCH_PAPER_MARKETS ?? 10);
const ROUNDS = Number(process.env.BENCH_PAPER_CANDLES ?? 100);
/** Markets per account: 1 spreads the accounts evenly over the markets; MARKETS puts each on all. */
const PER_ACCOUNT = Number(process.env.BENCH_PAPER_MARKETS_PER_ACCOUNT ?? 1);
const HISTORY = 300;
const RUN = process.env.BENCH_KEEP ?? `cft_bench_paper_${randomBytes(3).toString('hex')}`;
const ADMIN_KEY = `bench-admin-${randomBytes(16).toString('hex')}`;
const BASES = [
  'BTC',
  'ETH',
  'SOL',
  'ADA',
  'XRP',
  'DOT',
  'LTC',
  'BNB',
  'LINK',
  'AVAX',
  'ATOM',
  'TRX',
].slice(0, MARKETS);

/** Hourly candles of a seeded random walk. */
function randomWalk(seed: number, origin: number, count: number): Candle[] {
  let state = seed;
  const random = () => (state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const candles: Candle[] = [];
  let close = 100 * (1 + seed);
  for (let i = 0; i < count; i++) {
    const next = close * (1 + (random() - 0.5) * 0.03);
    candles.push({
      openTime: origin + i * HOUR_MS,
      open: close,
      high: Math.max(close, next) * (1 + random() * 0.004),
      low: Math.min(close, next) * (1 - random() * 0.004),
      close: next,
      volume: 50 + random() * 50,
      quoteVolume: null,
      tradeCount: 100,
      takerBuyBaseVolume: null,
      takerBuyQuoteVolume: null,
    });
    close = next;
  }
  return candles;
}

async function main(): Promise<void> {
  if (MARKETS > BASES.length) {
    throw new Error(`BENCH_PAPER_MARKETS is at most ${BASES.length}`);
  }
  const now = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  const origin = now - (HISTORY + ROUNDS + 10) * HOUR_MS;
  const sim = await ExchangeSimulator.start({ speed: 0 });
  const last = new Map<string, Candle>();
  BASES.forEach((base, i) => {
    const history = randomWalk(i + 1, origin, HISTORY);
    sim.load(`${base}USDT`, '1h', history);
    last.set(base, history[history.length - 1]!);
  });
  const db = new Client({ connectionString: scratchDatabaseUrl(RUN) });
  // When each closed candle was committed and announced (the paper path starts there).
  const committed = new Map<string, number>();
  const events = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  await events.subscribe(`${RUN}:events:${CANDLE_CLOSED}`);
  events.on('message', (_channel: string, message: string) => {
    const event = JSON.parse(message) as CandleClosedEvent;
    committed.set(`${event.pair} ${event.candle.openTime}`, event.committedAt);
  });
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    server = await startServer(
      'src/main.js',
      {
        ...simulatedServiceEnv({ run: RUN, sim, symbols: BASES, backfillFrom: origin }),
        ADMIN_API_KEY: ADMIN_KEY,
        LIVE_STREAM: 'true',
        RATE_LIMIT_MAX: '10000000',
      },
      ['--with-worker'],
    );
    await db.connect();
    const call = apiClient(`http://127.0.0.1:${server.port}`, ADMIN_KEY);
    await poll('the backfill and the streams', async () => {
      const markets = (await call('GET', '/markets')) as unknown as { count: number }[];
      return markets.length === MARKETS &&
        markets.every((m) => m.count >= HISTORY) &&
        sim.openConnections >= 1
        ? true
        : undefined;
    });
    const strategy = await call('POST', '/admin/strategies', {
      name: 'bench-paper',
      definition: {
        rules: [
          { input: 'rsi', condition: { op: '<', value: 50 }, weight: 1 },
          { input: 'rsi', condition: { op: '>', value: 50 }, weight: -1 },
        ],
        thresholds: { buy: 0.5, sell: -0.5 },
        guards: { stopLoss: 0.02 },
      },
    });
    for (let a = 0; a < ACCOUNTS; a++) {
      await call('POST', '/admin/paper-accounts', {
        name: `bench-${a}`,
        strategy: strategy.id,
        markets: Array.from({ length: PER_ACCOUNT }, (_, m) => BASES[(a + m) % MARKETS]!),
        startingCash: 10_000,
        sizing: a % 2 ? { kind: 'all-in' } : { kind: 'fraction', fraction: 0.5 },
      });
    }

    const paperLatencies: number[] = [];
    const signalLatencies: number[] = [];
    const fromCommit: number[] = [];
    const signalFromCommit: number[] = [];
    const warmup: number[] = [];
    for (let round = 0; round < ROUNDS + 3; round++) {
      const candles = BASES.map((base, i) => {
        const previous = last.get(base)!;
        const close = previous.close * (1 + Math.sin(round * 1.7 + i) * 0.012);
        const candle: Candle = {
          ...previous,
          openTime: previous.openTime + HOUR_MS,
          open: previous.close,
          high: Math.max(previous.close, close) * 1.003,
          low: Math.min(previous.close, close) * 0.997,
          close,
        };
        sim.append(`${base}USDT`, '1h', candle);
        last.set(base, candle);
        return candle;
      });
      const openTime = candles[0]!.openTime;
      const sentAt = Date.now();
      await Promise.all(BASES.map((base, i) => sim.emit(`${base}USDT`, '1h', candles[i]!, true)));
      const rows = await poll(
        `round ${round}`,
        async () => {
          const result = await db.query<{ symbol: string; rows: string; written_ms: string }>(
            `SELECT symbol, count(*) AS rows, (extract(epoch FROM max(written_at)) * 1000) AS written_ms
             FROM paper_equity WHERE open_time = to_timestamp($1 / 1000.0) GROUP BY symbol`,
            [openTime],
          );
          return result.rows.length === MARKETS &&
            result.rows.every((row) => Number(row.rows) === (ACCOUNTS * PER_ACCOUNT) / MARKETS)
            ? result.rows
            : undefined;
        },
        { intervalMs: 20 },
      );
      const signals = await poll(
        `signals of round ${round}`,
        async () => {
          const result = await db.query<{ symbol: string; created_ms: string }>(
            `SELECT symbol, (extract(epoch FROM created_at) * 1000) AS created_ms FROM signals
            WHERE strategy_id = $1 AND open_time = to_timestamp($2 / 1000.0)`,
            [strategy.id, openTime],
          );
          return result.rows.length === MARKETS ? result.rows : undefined;
        },
        { intervalMs: 20 },
      );
      const paper = rows.map((row) => Number(row.written_ms) - sentAt);
      if (round < 3) {
        warmup.push(...paper);
        continue;
      }
      paperLatencies.push(...paper);
      signalLatencies.push(...signals.map((row) => Number(row.created_ms) - sentAt));
      const commitOf = (symbol: string) => committed.get(`${symbol} ${openTime}`) ?? Number.NaN;
      fromCommit.push(...rows.map((row) => Number(row.written_ms) - commitOf(row.symbol)));
      signalFromCommit.push(...signals.map((row) => Number(row.created_ms) - commitOf(row.symbol)));
    }
    const trades = await db.query<{ count: string }>(`SELECT count(*) FROM paper_trades`);
    const p99 = (values: number[]) =>
      percentile(
        [...values].sort((a, b) => a - b),
        99,
      );
    console.log(
      `Closed candle on ${MARKETS} markets at once -> every account's equity row written (${ACCOUNTS} accounts on ${PER_ACCOUNT} market(s) each = ${ACCOUNTS * PER_ACCOUNT} books, ${ROUNDS} rounds, ${trades.rows[0]!.count} round trips)`,
    );
    console.log(`   paper accounts: ${describeLatencies(paperLatencies, 1)} (target p99 < 100 ms)`);
    console.log(
      `   reference, the strategy's live signal stored for the same candles: ${describeLatencies(signalLatencies, 1)}`,
    );
    console.log(
      `   from the candle committed (candle.closed) instead: paper ${describeLatencies(fromCommit, 1)}; signal ${describeLatencies(signalFromCommit, 1)}`,
    );
    console.log(
      `   warm-up (first 3 rounds, not counted): slowest ${Math.max(...warmup).toFixed(1)} ms`,
    );
    console.log(
      `   ratio p99 paper / p99 signal: ${(p99(paperLatencies) / p99(signalLatencies)).toFixed(2)}`,
    );
  } finally {
    await db.end().catch(() => undefined);
    events.disconnect();
    server?.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await sim.close();
    if (!process.env.BENCH_KEEP) {
      await dropScratchDatabase(RUN).catch(() => undefined);
    }
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
