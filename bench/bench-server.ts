import Redis from 'ioredis';
import { Client } from 'pg';
import { cachedForecast } from '../src/models/live/cached-prediction.fixtures';
import type { SimulatedMarket } from '../src/simulator/exchange-simulator';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Sets this process's CPUs (every thread); false when `taskset` (util-linux) is missing. */
function setOwnCpus(cpuList: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpuList, String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Optional for the autocannon benchmarks (`BENCH_PIN=1`): each server under test runs on the last
 * CPU and the load generator (this process) on the others, so that a server never shares its core
 * with autocannon and the scheduler does not move it between cores mid-run (pinned, servers
 * started side by side used the same CPU time per request; unpinned, some did not). Off by
 * default: it did not remove the machine's own swings (pinned runs on 2026-12-02 gave 40% and
 * 50%), and a server confined to one CPU shares it with its own GC threads, which raised
 * `/predict`'s p99 from 5 ms to 16-21 ms. Without `taskset` or with one CPU nothing is pinned.
 * Returns the CPU for servers, or undefined.
 */
export function pinLoadGenerator(): number | undefined {
  const count = availableParallelism();
  if (process.env.BENCH_PIN !== '1' || count < 2) {
    return undefined;
  }
  return setOwnCpus(`0-${count - 2}`) ? count - 1 : undefined;
}

/** How the servers run, for a benchmark's header line (`cpu` from `pinLoadGenerator`). */
export function pinningLabel(cpu: number | undefined): string {
  return cpu === undefined
    ? 'servers not pinned (BENCH_PIN=1 pins them)'
    : `each server pinned to CPU ${cpu}, autocannon to the others (BENCH_PIN=1)`;
}

/** The middle value (the upper one of an even count); 0 for none. */
export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
}

/** The p-th percentile of ascending `sorted` values (nearest rank, rounded down); NaN for none. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** `p50 … ms, p99 … ms, max … ms` of latency samples in any order. */
export function describeLatencies(samples: readonly number[], digits = 2): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const ms = (value: number) => `${value.toFixed(digits)} ms`;
  return `p50 ${ms(percentile(sorted, 50))}, p99 ${ms(percentile(sorted, 99))}, max ${ms(percentile(sorted, 100))}`;
}

/** The line a live benchmark prints for its uncounted warm-up samples (none: undefined). */
export function describeWarmup(warmup: readonly number[]): string | undefined {
  return warmup.length
    ? `   warm-up: first ${warmup[0]!.toFixed(2)} ms, slowest ${Math.max(...warmup).toFixed(2)} ms (JIT, first queries; not counted)`
    : undefined;
}

/** Each round's rate against the reference's round just before it, in percent: the spread. */
export function roundRatios(reference: readonly number[], measured: readonly number[]): number[] {
  return measured.map((rate, i) => (rate / (reference[i] ?? Number.NaN)) * 100);
}

/** Polls `ready` every `intervalMs` until it is true; throws `failure` after `timeoutMs`. */
export async function waitUntil(
  ready: () => boolean | Promise<boolean>,
  params: { timeoutMs: number; intervalMs: number; failure: string },
): Promise<void> {
  for (let waited = 0; !(await ready()); waited += params.intervalMs) {
    if (waited > params.timeoutMs) {
      throw new Error(params.failure);
    }
    await new Promise((resolve) => setTimeout(resolve, params.intervalMs));
  }
}

/** Lets this process run on every CPU again (after `pinLoadGenerator`). */
export function releaseLoadGenerator(): void {
  // Every CPU of the machine: availableParallelism() counts only those this process may use now.
  setOwnCpus(`0-${cpus().length - 1}`);
}

/**
 * Starts a compiled script of dist/ (`src/main.js`, `bench/bare-fastify.js`) in its own process,
 * its log lines going to /dev/null, and waits until `/health` answers. With `cpu` (from
 * `pinLoadGenerator`), the process and every thread it starts run on that CPU only.
 */
export async function startServer(
  script: string,
  env: NodeJS.ProcessEnv,
  args: string[] = [],
  cpu?: number,
): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  // BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server under test.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const command = [process.execPath, ...nodeArgs, join(__dirname, '..', script), ...args];
  const pinned = cpu === undefined ? command : ['taskset', '-c', String(cpu), ...command];
  const child = spawn(pinned[0] as string, pinned.slice(1), {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', openSync('/dev/null', 'w'), 'inherit'],
  });
  let exited: number | null | undefined;
  child.on('exit', (code) => (exited = code));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new Error(`${script} exited with ${exited}`);
    }
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      if (response.status < 500) {
        return { child, port };
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${script} did not answer within 60 s`);
}

/** The URL of a scratch database `name` on the server of DATABASE_URL (created by the service at start). */
export function scratchDatabaseUrl(name: string): string {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * The environment of a service on the exchange simulator `sim`: its own scratch database and key
 * prefix `run`, the 1h markets of `symbols` backfilled from `backfillFrom`, no outside sentiment
 * and no automatic training. Each bench adds what it measures (live stream, keys, limits).
 */
export function simulatedServiceEnv(params: {
  run: string;
  sim: { restUrl: string; wsUrl: string };
  symbols: readonly string[];
  backfillFrom: number;
}): Record<string, string> {
  return {
    DATABASE_URL: scratchDatabaseUrl(params.run),
    REDIS_PREFIX: params.run,
    LOG_LEVEL: 'warn',
    SYMBOLS: params.symbols.join(','),
    INTERVALS: '1h',
    MODEL_INTERVALS: '1h',
    EXCHANGE: 'binance',
    EXCHANGE_REST_URL: params.sim.restUrl,
    EXCHANGE_WS_URL: params.sim.wsUrl,
    BACKFILL_FROM: new Date(params.backfillFrom).toISOString(),
    FEAR_GREED_API_URL: 'off',
    MODEL_AUTO_TRAIN: 'false',
  };
}

/** Drops a scratch database, whoever is still connected. */
export async function dropScratchDatabase(name: string): Promise<void> {
  const client = new Client({ connectionString: scratchDatabaseUrl('postgres') });
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await client.end();
}

/** A JSON client of a running service with an API key: throws on any 4xx/5xx with the body. */
export function apiClient(
  base: string,
  key: string,
): (method: string, path: string, body?: object) => Promise<Record<string, unknown>> {
  return async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body
        ? { 'x-api-key': key, 'content-type': 'application/json' }
        : { 'x-api-key': key },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    if (response.status >= 400) {
      throw new Error(`${method} ${path} -> ${response.status} ${text}`);
    }
    return (text ? JSON.parse(text) : null) as Record<string, unknown>;
  };
}

/** Calls `probe` every `intervalMs` until it returns a value (errors count as not yet). */
export async function poll<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  params: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (params.timeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) {
      return value;
    }
    await new Promise((resolve) => setTimeout(resolve, params.intervalMs ?? 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Puts a model forecast for BTC 1h (exchange `binanceus`, the default) in the prediction cache of
 * a service running under `redisPrefix`, as the live path would: `/predict/BTC` then serves it
 * without any model, for the HTTP benchmarks.
 */
export async function seedPrediction(redisPrefix: string): Promise<void> {
  const hourMs = 3_600_000;
  const openTime = Math.floor(Date.now() / hourMs) * hourMs - hourMs;
  const cached = cachedForecast({
    exchange: 'binanceus',
    openTime,
    lastClose: 43_210.5,
    predictedClose: 43_262.1,
    predictedReturn: 0.001193,
    probabilityUp: 0.5417,
    modelVersionId: '6f1d1c2e-9a53-4a4c-9d8c-3f0b7c1e2a10',
    trainedAt: Date.now() - hourMs,
    testMae: 151.2,
    testPersistenceMae: 152.9,
    liveCount: 500,
    liveMae: 160.4,
    livePersistenceMae: 161.0,
  });
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  await redis.set(`${redisPrefix}:predictions:latest:binanceus:BTCUSDT:1h`, JSON.stringify(cached));
  redis.disconnect();
}

/** A benchmark's simulated BTCUSDT market: one interval, a generated history from `origin`. */
export function generatedBtcMarket(params: {
  interval: string;
  origin: number;
  seed: string;
  momentum?: number;
}): SimulatedMarket {
  const { interval, ...source } = params;
  return {
    symbol: 'BTCUSDT',
    baseAsset: 'BTC',
    quoteAsset: 'USDT',
    intervals: [interval],
    source: { kind: 'generated', ...source },
  };
}
