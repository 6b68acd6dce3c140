import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import Redis from 'ioredis';
import type { ChildProcess } from 'node:child_process';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { simulatedMarkets } from '../src/simulator/simulated-markets';
import { WebhookReceiver } from '../src/simulator/webhook-receiver';
import { spawnProcess, stopProcess } from './bench-processes';
import {
  apiClient,
  dropScratchDatabase,
  percentile,
  poll,
  scratchDatabaseUrl,
  simulatedServiceEnv,
  startServer,
} from './bench-server';

/**
 * npm run bench:markets — the cost of many markets on one machine, fed by the exchange simulator
 * (Binance wire format, generated 1h candles), one run per market count:
 *
 * - backfill: BENCH_MARKETS_DAYS (30) days of 1h candles for every market, from the service's
 *   start until every market has them and the stream is connected;
 * - the closing burst, BENCH_MARKETS_BURSTS (5) times: the simulator closes the hour on every
 *   market at once; the time from those closed klines to the last `signal.created` stored (one
 *   per market, the default strategy) and to the last signed webhook received and verified;
 * - RSS of the service's processes after the bursts, per market.
 *
 * BENCH_MARKETS_SIZES (10,50,100,200) sets the market counts. BENCH_MARKETS_WORKERS=N (0) runs the
 * api (`main.js`) and N worker processes (`worker.js`) instead of one `main.js --with-worker`, and
 * prints the markets each worker decided (its live-path count in Redis); then it queues
 * BENCH_MARKETS_TRAIN_JOBS (6) small LSTM trainings, measures one burst while they run and prints
 * the jobs each worker ran (`processedBy`). BENCH_MARKETS_TRAIN=1
 * leaves MODEL_AUTO_TRAIN on (a first model queued for every market at start, trained in the
 * background while the bursts run) with a small model, so the bursts are measured under training.
 */
const HOUR_MS = 3_600_000;
const SIZES = (process.env.BENCH_MARKETS_SIZES ?? '10,50,100,200').split(',').map(Number);
const BURSTS = Number(process.env.BENCH_MARKETS_BURSTS ?? 5);
const DAYS = Number(process.env.BENCH_MARKETS_DAYS ?? 30);
const WORKERS = Number(process.env.BENCH_MARKETS_WORKERS ?? 0);
const TRAIN = process.env.BENCH_MARKETS_TRAIN === '1';
/** Training jobs queued after the bursts, with one more burst while they run (BENCH_MARKETS_WORKERS > 0). */
const TRAIN_JOBS = Number(process.env.BENCH_MARKETS_TRAIN_JOBS ?? 6);
const SMALL_MODEL = { layers: 1, units: 8, lookback: 12, epochs: 4, batchSize: 64, patience: 0 };
const ADMIN_KEY = `bench-admin-${randomBytes(16).toString('hex')}`;

interface SizeResult {
  markets: number;
  backfillSeconds: number;
  signalMs: number[];
  webhookMs: number[];
  rssMb: number;
  perWorker: number[];
  /** PostgreSQL transactions (commits) per market and burst, in the service's database. */
  transactionsPerMarket: number;
  /** With worker processes: training jobs each ran, and the burst measured while they ran. */
  training?: { perWorker: number[]; burstSignalMs: number; seconds: number };
}

function bases(count: number): string[] {
  // Three letters, like most listed bases; never a real one the service treats specially.
  return Array.from(
    { length: count },
    (_, i) =>
      `Q${String.fromCharCode(65 + (Math.floor(i / 26) % 26))}${String.fromCharCode(65 + (i % 26))}${i >= 676 ? i : ''}`,
  );
}

function rssMb(pid: number | undefined): number {
  if (pid === undefined) {
    return 0;
  }
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    return kb / 1024;
  } catch {
    return 0;
  }
}

async function runSize(count: number): Promise<SizeResult> {
  const run = `cft_bench_markets_${count}_${randomBytes(3).toString('hex')}`;
  const nowHour = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  // Every burst's candle closes before real time: nothing the service sees is in the future.
  const clock = nowHour - (BURSTS + 2) * HOUR_MS + 30 * 60_000;
  const origin = Math.floor(clock / HOUR_MS) * HOUR_MS - DAYS * 24 * HOUR_MS;
  const names = bases(count);
  const sim = await ExchangeSimulator.start({
    speed: 0,
    startTime: clock,
    markets: simulatedMarkets({
      bases: names,
      quote: 'USDT',
      intervals: ['1h'],
      origin: origin - 24 * HOUR_MS,
      seed: 'bench-markets',
    }),
  });
  const receiver = await WebhookReceiver.start();
  const db = new Client({ connectionString: scratchDatabaseUrl(run) });
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
  const children: ChildProcess[] = [];
  const env: NodeJS.ProcessEnv = {
    ...simulatedServiceEnv({ run, sim, symbols: names, backfillFrom: origin }),
    ADMIN_API_KEY: ADMIN_KEY,
    LIVE_STREAM: 'true',
    MODEL_AUTO_TRAIN: TRAIN ? 'true' : 'false',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    RATE_LIMIT_MAX: '10000000',
  };
  try {
    const started = performance.now();
    const server = await startServer('src/main.js', env, WORKERS > 0 ? [] : ['--with-worker']);
    children.push(server.child);
    for (let w = 0; w < WORKERS; w++) {
      children.push(await spawnProcess('src/worker.js', env));
    }
    const call = apiClient(`http://127.0.0.1:${server.port}`, ADMIN_KEY);
    const expected = Math.floor((clock - origin) / HOUR_MS) - 1;
    await poll(
      'the backfill and the stream',
      async () => {
        const markets = (await call('GET', '/markets')) as unknown as {
          count: number;
          live?: { status?: string };
        }[];
        return markets.length === count &&
          markets.every((market) => market.count >= expected) &&
          sim.openConnections >= 1
          ? true
          : undefined;
      },
      { timeoutMs: 900_000, intervalMs: 500 },
    );
    const backfillSeconds = (performance.now() - started) / 1000;
    const hook = await call('POST', '/webhooks', {
      url: `${receiver.url}/signals`,
      events: ['signal.created'],
    });
    receiver.trust(hook.secret as string, '/signals');
    await db.connect();
    await redis.connect();
    // The start-up's own decisions on the newest stored candle settle first.
    await new Promise((resolve) => setTimeout(resolve, 3000));

    const signalMs: number[] = [];
    const webhookMs: number[] = [];
    const openTimeOf = (body: string) =>
      Date.parse((JSON.parse(body) as { data: { openTime: string } }).data.openTime);
    const commits = async () =>
      Number(
        (
          await db.query<{ n: string }>(
            'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
          )
        ).rows[0]?.n,
      );
    let transactions = 0;
    /** One closing burst on every market: ms to the last signal stored and to the last webhook. */
    const burst = async (what: string): Promise<{ signal: number; webhook: number }> => {
      const openTime = Math.floor(sim.now() / HOUR_MS) * HOUR_MS;
      const sentAt = performance.timeOrigin + performance.now();
      await sim.advance(HOUR_MS);
      const stored = await poll(
        `${count} signals of ${what}`,
        async () => {
          const { rows } = await db.query<{ n: string; last: Date }>(
            'SELECT count(*) AS n, max(created_at) AS last FROM signals WHERE open_time = $1',
            [new Date(openTime)],
          );
          return Number(rows[0]?.n) >= count ? rows[0]!.last.getTime() : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 20 },
      );
      await receiver.until(
        (received) =>
          received.filter((h) => h.path === '/signals' && openTimeOf(h.body) === openTime).length >=
          count,
        120_000,
      );
      const hooks = receiver.received.filter(
        (h) => h.path === '/signals' && openTimeOf(h.body) === openTime,
      );
      if (hooks.some((h) => !h.verified)) {
        throw new Error('a delivery did not verify');
      }
      return {
        signal: stored - sentAt,
        webhook: Math.max(...hooks.map((h) => h.receivedAt)) - sentAt,
      };
    };
    for (let round = 0; round < BURSTS; round++) {
      const commitsBefore = await commits();
      const { signal, webhook } = await burst(`burst ${round + 1}`);
      signalMs.push(signal);
      webhookMs.push(webhook);
      // Statistics reach pg_stat_database within PGSTAT_MIN_INTERVAL (1 s) of a commit.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      transactions += (await commits()) - commitsBefore;
    }
    let training: SizeResult['training'];
    if (WORKERS > 0 && TRAIN_JOBS > 0) {
      const trainingStarted = performance.now();
      const jobIds: string[] = [];
      for (const base of names.slice(0, TRAIN_JOBS)) {
        const job = await call('POST', '/admin/models/train', {
          symbol: base,
          interval: '1h',
          params: SMALL_MODEL,
        });
        jobIds.push(job.jobId as string);
      }
      // A burst while the training jobs run.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const during = await burst('the burst during training');
      const byWorker = new Map<string, number>();
      for (const jobId of jobIds) {
        const job = await poll(
          `training job ${jobId}`,
          async () => {
            const state = await call('GET', `/jobs/${jobId}`);
            if (state.state === 'failed') {
              throw new Error(`training failed: ${String(state.error)}`);
            }
            return state.state === 'completed' ? state : undefined;
          },
          { timeoutMs: 900_000, intervalMs: 500 },
        );
        const by = String(job.processedBy);
        byWorker.set(by, (byWorker.get(by) ?? 0) + 1);
      }
      training = {
        perWorker: [...byWorker.values()],
        burstSignalMs: during.signal,
        seconds: (performance.now() - trainingStarted) / 1000,
      };
    }
    const perWorker: number[] = [];
    const keys = await redis.keys(`${run}:live:decided:*`);
    for (const key of keys.sort()) {
      perWorker.push(Number(await redis.get(key)));
    }
    const rss = children.reduce((sum, child) => sum + rssMb(child.pid), 0);
    return {
      markets: count,
      backfillSeconds,
      signalMs,
      webhookMs,
      rssMb: rss,
      perWorker,
      transactionsPerMarket: transactions / BURSTS / count,
      training,
    };
  } finally {
    await Promise.all(children.map((child) => stopProcess(child)));
    await db.end().catch(() => undefined);
    redis.disconnect();
    await receiver.close();
    await sim.close();
    await dropScratchDatabase(run).catch(() => undefined);
  }
}

function describe(samples: readonly number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(0)} ms, p99 ${percentile(sorted, 99).toFixed(0)} ms`;
}

async function main(): Promise<void> {
  const layout =
    WORKERS > 0
      ? `api + ${WORKERS} worker process(es)`
      : 'one process (main.js --with-worker, as npm start)';
  console.log(
    `Markets bench: ${layout}; ${DAYS} days of 1h candles per market; ${BURSTS} closing bursts; ${TRAIN ? 'first models training in the background' : 'no training (MODEL_AUTO_TRAIN=false)'}`,
  );
  const results: SizeResult[] = [];
  for (const size of SIZES) {
    const result = await runSize(size);
    results.push(result);
    console.log(
      `${String(size).padStart(4)} markets: bursts -> last signal ${result.signalMs.map((ms) => ms.toFixed(0)).join(', ')} ms; -> last webhook ${result.webhookMs.map((ms) => ms.toFixed(0)).join(', ')} ms`,
    );
    console.log(
      `${String(size).padStart(4)} markets: backfill ${result.backfillSeconds.toFixed(1)} s (${((result.backfillSeconds / size) * 1000).toFixed(0)} ms/market); burst -> last signal ${describe(result.signalMs)}; -> last webhook ${describe(result.webhookMs)}; RSS ${result.rssMb.toFixed(0)} MB (${(result.rssMb / size).toFixed(2)} MB/market); ${result.transactionsPerMarket.toFixed(1)} db transactions/market/burst${result.perWorker.length ? `; decided per worker: ${result.perWorker.join(' / ')}` : ''}`,
    );
    if (result.training) {
      console.log(
        `      ${TRAIN_JOBS} training jobs in ${result.training.seconds.toFixed(1)} s, per worker: ${result.training.perWorker.join(' / ')}; a burst during them: last signal after ${result.training.burstSignalMs.toFixed(0)} ms`,
      );
    }
  }
  const first = results[0];
  const last = results[results.length - 1];
  if (first && last && first !== last) {
    const perMarket = (r: SizeResult) =>
      percentile(
        [...r.signalMs].sort((a, b) => a - b),
        50,
      ) / r.markets;
    console.log(
      `cost per market, ${first.markets} -> ${last.markets} markets: burst ${perMarket(first).toFixed(1)} -> ${perMarket(last).toFixed(1)} ms/market (p50 to last signal), RSS ${(
        (last.rssMb - first.rssMb) /
        (last.markets - first.markets)
      ).toFixed(2)} MB per added market`,
    );
  }
  console.log('targets: 100 markets signalled < 1 s and delivered < 2 s after the closing klines');
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
