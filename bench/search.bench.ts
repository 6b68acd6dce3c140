import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { readCandleCsv } from '../src/simulator/candle-series';
import { BTC_HOUR_CSV } from '../src/simulator/candle-series.fixtures';
import { dropScratchDatabase, simulatedServiceEnv, startServer, waitUntil } from './bench-server';
import { spawnProcess, stopProcess } from './bench-processes';

/**
 * npm run bench:search [candles.csv] — trials per minute of a model search through the real
 * queue: the api takes `POST /admin/models/search`, worker processes run the trials (one at a
 * time each, on the training queue), then the best is evaluated on the test part. The same
 * search (same seed, so the same trials) runs with one worker process and then with two; the
 * ratio two/one is the figure (reference measured in the same run). Default data: the last
 * BENCH_SEARCH_CANDLES (8760, a year) hours of the CSV (default: shared BTCUSDT 1h, else the
 * test fixture).
 */
const HOUR_MS = 3_600_000;
const RUN = `cft_bench_search_${randomBytes(3).toString('hex')}`;
const ADMIN_KEY = `bench-admin-${randomBytes(16).toString('hex')}`;
const CANDLE_COUNT = Number(process.env.BENCH_SEARCH_CANDLES ?? 8760);
const TRIALS = Number(process.env.BENCH_SEARCH_TRIALS ?? 6);
const KINDS = (process.env.BENCH_SEARCH_KINDS ?? 'linear,lstm,gru').split(',');

function csvPath(): string {
  const given = process.argv[2];
  if (given) {
    return given;
  }
  const shared = join(
    __dirname,
    '..',
    '..',
    '..',
    'shared',
    'data',
    'binance',
    '1h',
    'BTCUSDT-1h.csv',
  );
  return existsSync(shared) ? shared : BTC_HOUR_CSV;
}

async function main(): Promise<void> {
  const path = csvPath();
  const all = readCandleCsv(path);
  // Moved to end an hour ago, so the service sees a current market.
  const last = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS;
  const picked = all.slice(-CANDLE_COUNT);
  const shift = last - picked[picked.length - 1]!.openTime;
  const candles = picked.map((candle) => ({ ...candle, openTime: candle.openTime + shift }));
  const sim = await ExchangeSimulator.start({ speed: 0 });
  sim.load('BTCUSDT', '1h', candles);
  const env = {
    ...simulatedServiceEnv({
      run: RUN,
      sim,
      symbols: ['BTC'],
      backfillFrom: candles[0]!.openTime,
    }),
    ADMIN_API_KEY: ADMIN_KEY,
  };
  const children: ChildProcess[] = [];
  try {
    // 1. The history, backfilled by one service process, then stopped.
    const loader = await startServer('src/main.js', { ...env, LIVE_STREAM: 'true' }, [
      '--with-worker',
    ]);
    const base = `http://127.0.0.1:${loader.port}`;
    const headers = { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' };
    await waitUntil(
      async () => {
        const markets = (await (await fetch(`${base}/markets`, { headers })).json()) as {
          count?: number;
        }[];
        return (markets[0]?.count ?? 0) >= candles.length;
      },
      {
        timeoutMs: 300_000,
        intervalMs: 500,
        failure: 'the backfill did not finish within 5 minutes',
      },
    );
    await stopProcess(loader.child);
    process.stdout.write(
      `${candles.length} hourly candles of ${path.split('/').pop()}; search: ${TRIALS} trials of ${KINDS.join(', ')}, 2 folds each\n`,
    );
    // 2. The api alone; the workers come and go per round.
    const api = await startServer('src/main.js', { ...env, LIVE_STREAM: 'false' });
    children.push(api.child);
    const apiBase = `http://127.0.0.1:${api.port}`;
    const rates: number[] = [];
    for (const workers of [1, 2]) {
      const started: ChildProcess[] = [];
      for (let i = 0; i < workers; i++) {
        started.push(await spawnProcess('src/worker.js', { ...env, LIVE_STREAM: 'false' }));
      }
      children.push(...started);
      const begun = Date.now();
      const response = await fetch(`${apiBase}/admin/models/search`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          symbol: 'BTC',
          interval: '1h',
          kinds: KINDS,
          trials: TRIALS,
          folds: 2,
          seed: 11,
        }),
      });
      const { searchId } = (await response.json()) as { searchId: string };
      let trialsAt = 0;
      let result:
        | { status: string; trialsDone: number; best: { kind: string; score: number } | null }
        | undefined;
      await waitUntil(
        async () => {
          result = (await (
            await fetch(`${apiBase}/models/searches/${searchId}`, { headers })
          ).json()) as typeof result;
          if (result && result.trialsDone === TRIALS && !trialsAt) {
            trialsAt = Date.now();
          }
          if (result?.status === 'failed') {
            throw new Error(`the search failed: ${JSON.stringify(result)}`);
          }
          return result?.status === 'completed';
        },
        {
          timeoutMs: 3_600_000,
          intervalMs: 500,
          failure: 'the search did not finish within an hour',
        },
      );
      const trialMinutes = (trialsAt - begun) / 60_000;
      const rate = TRIALS / trialMinutes;
      rates.push(rate);
      process.stdout.write(
        `${workers} worker process${workers > 1 ? 'es' : ''}: ${TRIALS} trials in ${(trialMinutes * 60).toFixed(1)} s = ${rate.toFixed(2)} trials/min; whole search with the test evaluation ${((Date.now() - begun) / 1000).toFixed(1)} s (best: ${result?.best?.kind} ${result?.best?.score.toFixed(5)})\n`,
      );
      for (const child of started) {
        await stopProcess(child);
      }
    }
    process.stdout.write(
      `two workers / one worker: ${(rates[1]! / rates[0]!).toFixed(2)}x trials per minute\n`,
    );
  } finally {
    for (const child of children) {
      await stopProcess(child);
    }
    await sim.close();
    await dropScratchDatabase(RUN);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
