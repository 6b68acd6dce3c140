import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import {
  apiClient,
  dropScratchDatabase,
  pinLoadGenerator,
  pinningLabel,
  scratchDatabaseUrl,
  seedPrediction,
  startServer,
} from './bench-server';

/**
 * `npm run bench:mixed-reads`: the read mix of a bot fleet against the full api, one market
 * (BTC 1h, 500 stored candles, a cached forecast, the default strategy's signal, live indicators):
 * `/predict/BTC`, `/candles/BTC?limit=100`, `/signals/BTC` and `/indicators/BTC/latest` in turn,
 * BENCH_CONNECTIONS (50) connections for BENCH_DURATION_S (10) s per round, BENCH_ROUNDS (2):
 *
 * - plain: every request without If-None-Match (each answer 200, as the mix was measured before
 *   conditional requests: ~1,400-1,500 req/s on this machine);
 * - conditional: every request sends the ETag last received for its URL, as polling bots holding
 *   their answers do (304 while nothing changed).
 *
 * Prints req/s, latency and non-2xx/3xx answers for both in the same run, and their ratio.
 */
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const RUN = `cft_bench_${Date.now().toString(36)}_mixed`;
const ADMIN_KEY = `bench-admin-${randomBytes(16).toString('hex')}`;
const HOUR_MS = 3_600_000;
const PATHS = [
  '/predict/BTC',
  '/candles/BTC?interval=1h&limit=100',
  '/signals/BTC',
  '/indicators/BTC/latest',
];

/** 500 hourly BTCUSDT candles up to the newest closed hour, a random walk. */
async function seedCandles(databaseUrl: string): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const newest = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;
    let close = 40_000;
    const rows: string[] = [];
    for (let i = 499; i >= 0; i--) {
      const open = close;
      close = open * (1 + (Math.sin(i * 1.7) + Math.cos(i * 0.3)) * 0.002);
      const high = Math.max(open, close) * 1.001;
      const low = Math.min(open, close) * 0.999;
      rows.push(
        `('binanceus','BTCUSDT','1h','${new Date(newest - i * HOUR_MS).toISOString()}',${open},${high},${low},${close},${100 + (i % 17)})`,
      );
    }
    await db.query(
      `INSERT INTO candles (exchange, symbol, interval, open_time, open, high, low, close, volume) VALUES ${rows.join(',')}`,
    );
  } finally {
    await db.end();
  }
}

interface Round {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  ok: number;
  notModified: number;
  other: number;
}

async function round(port: number, conditional: boolean): Promise<Round> {
  let notModified = 0;
  let ok = 0;
  let other = 0;
  // The ETag last received for each path, shared by the connections (autocannon empties a
  // connection's own context at every turn through the paths): bots holding the current answer.
  const etags = new Map<string, string>();
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { 'x-api-key': ADMIN_KEY },
    requests: PATHS.map((path) => ({
      method: 'GET' as const,
      path,
      setupRequest: (request: autocannon.Request) => {
        const etag = conditional ? etags.get(path) : undefined;
        return etag
          ? { ...request, headers: { ...request.headers, 'if-none-match': etag } }
          : request;
      },
      onResponse: (
        status: number,
        _body: string,
        _context: object,
        headers: autocannon.Request['headers'],
      ) => {
        if (status === 304) {
          notModified++;
        } else if (status === 200) {
          ok++;
          const etag = headers?.etag;
          if (etag) {
            etags.set(path, etag);
          }
        } else {
          other++;
        }
      },
    })),
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    notModified,
    other: other + result.errors + result.timeouts,
  };
}

function line(label: string, r: Round): string {
  return `${label.padEnd(12)} ${r.requestsPerSecond.toFixed(0).padStart(7)} req/s   p50 ${r.p50} ms   p99 ${r.p99} ms   ${r.ok} x 200, ${r.notModified} x 304, ${r.other} other/errors`;
}

async function main(): Promise<void> {
  let server: ChildProcess | undefined;
  const serverCpu = pinLoadGenerator();
  try {
    const databaseUrl = scratchDatabaseUrl(RUN);
    const started = await startServer(
      'src/main.js',
      {
        NODE_ENV: 'production',
        SECRET_KEY: randomBytes(32).toString('hex'),
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl,
        REDIS_PREFIX: RUN,
        ADMIN_API_KEY: ADMIN_KEY,
        LOG_LEVEL: 'warn',
        SYMBOLS: 'BTC',
        INTERVALS: '1h',
        EXCHANGE_REST_URL: 'http://127.0.0.1:9',
        EXCHANGE_WS_URL: 'ws://127.0.0.1:9',
        LIVE_STREAM: 'false',
        MODEL_AUTO_TRAIN: 'false',
        FEAR_GREED_API_URL: 'off',
        RATE_LIMIT_MAX: '10000000',
      },
      ['--with-worker'],
      serverCpu,
    );
    server = started.child;
    await seedCandles(databaseUrl);
    await seedPrediction(RUN);
    const call = apiClient(`http://127.0.0.1:${started.port}`, ADMIN_KEY);
    for (const path of PATHS) {
      await call('GET', path);
    }
    console.log(
      `Mixed reads: ${PATHS.join(', ')} in turn; ${CONNECTIONS} connections, ${DURATION_S} s x ${ROUNDS} rounds; ${pinningLabel(serverCpu)}`,
    );
    await round(started.port, false); // warm-up
    const ratios: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const plain = await round(started.port, false);
      const conditional = await round(started.port, true);
      console.log(line('plain', plain));
      console.log(line('conditional', conditional));
      if (plain.other + conditional.other > 0) {
        throw new Error('some answers were neither 200 nor 304: the comparison is meaningless');
      }
      ratios.push(conditional.requestsPerSecond / plain.requestsPerSecond);
    }
    console.log(
      `conditional / plain: ${ratios.map((ratio) => ratio.toFixed(2)).join(', ')} (each round)`,
    );
  } finally {
    server?.kill('SIGTERM');
    await dropScratchDatabase(RUN).catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
