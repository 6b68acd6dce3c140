import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import {
  describeLatencies,
  dropScratchDatabase,
  median,
  percentile,
  scratchDatabaseUrl,
  seedPrediction,
  startServer,
} from './bench-server';

/**
 * `npm run bench:http-cache`: BENCH_BOTS (default 300) bots each poll `GET /predict/BTC` once a
 * second, anonymously (PUBLIC_READ=true), against the full api (the prediction cached in Redis, as
 * bench:predict does). Rounds alternate between bots that send the ETag they hold (If-None-Match:
 * the 304 path) and bots that do not (the 200 path), in the same run: answers, latency, body bytes
 * and the server's CPU time per request for each, and their ratio.
 *
 * Options (environment): BENCH_BOTS, BENCH_DURATION_S (default 10), BENCH_ROUNDS (default 2),
 * DATABASE_URL / REDIS_URL like the service.
 */
const BOTS = Number(process.env.BENCH_BOTS ?? 300);
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const RUN = `cft_bench_${Date.now().toString(36)}_cache`;
const PATH = '/predict/BTC';

interface Answer {
  status: number;
  etag: string | undefined;
  cacheControl: string | undefined;
  bytes: number;
  ms: number;
}

interface Phase {
  statuses: Map<number, number>;
  latencies: number[];
  bytes: number;
  cpuMs: number;
}

function get(port: number, agent: Agent, path: string, ifNoneMatch?: string): Promise<Answer> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const call = request(
      {
        host: '127.0.0.1',
        port,
        path,
        agent,
        headers: ifNoneMatch ? { 'if-none-match': ifNoneMatch } : {},
      },
      (response) => {
        let bytes = 0;
        response.on('data', (chunk: Buffer) => (bytes += chunk.length));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            etag: response.headers.etag,
            cacheControl: response.headers['cache-control'],
            bytes,
            ms: Number(process.hrtime.bigint() - started) / 1e6,
          }),
        );
      },
    );
    call.on('error', reject);
    call.end();
  });
}

/** The server process's user + system CPU time in ms (Linux /proc). */
function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat; after "pid (comm) " they are 11 and 12.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Every bot polls once a second, their polls spread over the second, for DURATION_S seconds. */
async function poll(params: {
  port: number;
  pid: number;
  agents: Agent[];
  etags: (string | undefined)[];
  conditional: boolean;
}): Promise<Phase> {
  const phase: Phase = { statuses: new Map(), latencies: [], bytes: 0, cpuMs: 0 };
  const cpuBefore = cpuMsOf(params.pid);
  const started = Date.now();
  await Promise.all(
    params.agents.map(async (agent, bot) => {
      await new Promise((resolve) => setTimeout(resolve, (bot / BOTS) * 1000));
      for (let second = 0; second < DURATION_S; second++) {
        const answer = await get(
          params.port,
          agent,
          PATH,
          params.conditional ? params.etags[bot] : undefined,
        );
        params.etags[bot] = answer.etag ?? params.etags[bot];
        phase.statuses.set(answer.status, (phase.statuses.get(answer.status) ?? 0) + 1);
        phase.latencies.push(answer.ms);
        phase.bytes += answer.bytes;
        const next = started + (bot / BOTS) * 1000 + (second + 1) * 1000;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
      }
    }),
  );
  phase.cpuMs = cpuMsOf(params.pid) - cpuBefore;
  return phase;
}

function describe(label: string, phase: Phase): string {
  const count = phase.latencies.length;
  const statuses = [...phase.statuses].map(([status, n]) => `${n} x ${status}`).join(', ');
  return (
    `${label.padEnd(22)} ${statuses.padEnd(22)} ${describeLatencies(phase.latencies)}   ` +
    `${(phase.bytes / count).toFixed(0)} body bytes/answer   server CPU ${((phase.cpuMs / count) * 1000).toFixed(0)} µs/request`
  );
}

async function main(): Promise<void> {
  let server: ChildProcess | undefined;
  try {
    const started = await startServer('src/main.js', {
      NODE_ENV: 'production',
      SECRET_KEY: randomBytes(32).toString('hex'),
      HOST: '127.0.0.1',
      DATABASE_URL: scratchDatabaseUrl(RUN),
      REDIS_PREFIX: RUN,
      ADMIN_API_KEY: `bench-${randomBytes(16).toString('hex')}`,
      LOG_LEVEL: 'info',
      LOG_PRETTY: 'false',
      PUBLIC_READ: 'true',
      RATE_LIMIT_ANONYMOUS_MAX: '10000000',
      SYMBOLS: 'BTC',
      INTERVALS: '1h',
      LIVE_STREAM: 'false',
      FEAR_GREED_API_URL: 'off',
      MODEL_AUTO_TRAIN: 'false',
    });
    server = started.child;
    const { port } = started;
    // The forecast of the newest closed candle, as the worker would have cached it.
    await seedPrediction(RUN);
    const probe = new Agent({ keepAlive: true });
    const first = await get(port, probe, PATH);
    probe.destroy();
    if (first.status !== 200) {
      throw new Error(`${PATH} answered ${first.status}`);
    }
    // One keep-alive connection per bot, as a bot's HTTP client would hold.
    const agents = Array.from(
      { length: BOTS },
      () => new Agent({ keepAlive: true, maxSockets: 1 }),
    );
    const etags: (string | undefined)[] = Array.from({ length: BOTS });
    process.stdout.write(
      `${BOTS} bots polling ${PATH} once a second each (${BOTS} req/s), ${ROUNDS} alternating rounds of ${DURATION_S} s; ` +
        `ETag ${first.etag}, Cache-Control: ${first.cacheControl}\n`,
    );
    // Warm-up, which also gives every bot its ETag.
    await poll({ port, pid: server.pid!, agents, etags, conditional: false });
    const p50 = { full: [] as number[], conditional: [] as number[] };
    const cpu = { full: [] as number[], conditional: [] as number[] };
    for (let round = 1; round <= ROUNDS; round++) {
      for (const conditional of [false, true]) {
        const phase = await poll({ port, pid: server.pid!, agents, etags, conditional });
        const label = `round ${round}: ${conditional ? 'If-None-Match' : 'plain GET'}`;
        process.stdout.write(`${describe(label, phase)}\n`);
        const sorted = [...phase.latencies].sort((a, b) => a - b);
        (conditional ? p50.conditional : p50.full).push(percentile(sorted, 50));
        (conditional ? cpu.conditional : cpu.full).push(phase.cpuMs / phase.latencies.length);
      }
    }
    process.stdout.write(
      `304 path / 200 path (medians over rounds): latency p50 ${((median(p50.conditional) / median(p50.full)) * 100).toFixed(0)}%, ` +
        `server CPU per request ${((median(cpu.conditional) / median(cpu.full)) * 100).toFixed(0)}%\n`,
    );
    for (const agent of agents) {
      agent.destroy();
    }
  } finally {
    server?.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await dropScratchDatabase(RUN);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
