import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import {
  median,
  pinLoadGenerator,
  pinningLabel,
  roundRatios,
  seedPrediction,
  startServer,
} from './bench-server';

/**
 * `npm run bench:http`: GET /me through the full stack (API key auth, Redis rate limit, request
 * log line, metrics) against bare Fastify answering the same JSON, measured in the same run with
 * the same autocannon settings. Each server runs in its own process; autocannon in this one.
 * Then the 304 path: `GET /predict/BTC` with the `If-None-Match` of its current ETag (a bot that
 * polls an unchanged forecast) against bare Fastify answering 304 to its own ETag.
 *
 * Options (environment): BENCH_DURATION_S (default 6), BENCH_CONNECTIONS (default 50),
 * BENCH_ROUNDS (default 3),
 * DATABASE_URL / REDIS_URL like the service.
 */
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_S = 3;
const ADMIN_KEY = `bench-${randomBytes(16).toString('hex')}`;
const RUN = `cft_bench_${Date.now().toString(36)}`;

async function measure(
  label: string,
  port: number,
  headers: Record<string, string>,
  path = '/me',
): Promise<autocannon.Result> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers,
  });
  // The conditional round expects every answer to be a 304, the others a 2xx.
  const conditional = 'if-none-match' in headers;
  const expected = conditional ? result['3xx'] : result['2xx'];
  const unexpected = result.requests.sent - expected + result.errors + result.timeouts;
  process.stdout.write(
    `${label.padEnd(34)} ${result.requests.average.toFixed(0).padStart(7)} req/s   p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms   not ${conditional ? '304' : '2xx'}/errors ${Math.max(0, unexpected - CONNECTIONS)}\n`,
  );
  // Requests still in flight when the run stops count as sent but unanswered: one per connection.
  if (unexpected > CONNECTIONS) {
    throw new Error(
      `${label}: ${unexpected} responses were not ${conditional ? '304' : '2xx'}; the comparison would be meaningless`,
    );
  }
  return result;
}

async function main(): Promise<void> {
  const databaseUrl = new URL(
    process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  );
  databaseUrl.pathname = `/${RUN}`;
  const servers: ChildProcess[] = [];
  const serverCpu = pinLoadGenerator();
  try {
    const full = await startServer(
      'src/main.js',
      {
        NODE_ENV: 'production',
        SECRET_KEY: randomBytes(32).toString('hex'),
        HOST: '127.0.0.1',
        DATABASE_URL: databaseUrl.toString(),
        REDIS_PREFIX: RUN,
        ADMIN_API_KEY: ADMIN_KEY,
        LOG_LEVEL: 'info',
        LOG_PRETTY: 'false',
        RATE_LIMIT_MAX: '10000000',
      },
      [],
      serverCpu,
    );
    servers.push(full.child);
    const bare = await startServer('bench/bare-fastify.js', {}, [], serverCpu);
    servers.push(bare.child);
    const nest = await startServer('bench/nest-minimal.js', {}, [], serverCpu);
    servers.push(nest.child);
    const contenders: { label: string; port: number; headers: Record<string, string> }[] = [
      { label: 'bare Fastify', port: bare.port, headers: {} },
      { label: 'minimal NestJS on Fastify', port: nest.port, headers: {} },
      { label: 'full stack', port: full.port, headers: { 'x-api-key': ADMIN_KEY } },
    ];
    // Warm-up: JIT, caches, connection pools.
    for (const { port, headers } of contenders) {
      await autocannon({
        url: `http://127.0.0.1:${port}/me`,
        connections: CONNECTIONS,
        duration: WARMUP_S,
        headers,
      });
    }

    process.stdout.write(
      `GET /me, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION_S} s each (after a 2 s warm-up); ` +
        `${pinningLabel(serverCpu)}\n`,
    );
    // Alternate the contenders, so a noisy neighbour on the machine hurts all of them alike; each
    // one's figure is its median over the rounds.
    const samples = new Map<string, number[]>(contenders.map(({ label }) => [label, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const { label, port, headers } of contenders) {
        samples
          .get(label)
          ?.push((await measure(`round ${round}: ${label}`, port, headers)).requests.average);
      }
    }
    const medianRate = (label: string) => median(samples.get(label) ?? []);
    const bareRate = medianRate('bare Fastify');
    const nestRate = medianRate('minimal NestJS on Fastify');
    const fullRate = medianRate('full stack');
    // The same ratio round by round (each full-stack round against the bare round just before it):
    // its spread shows how much of a difference between runs is the machine.
    const ratios = roundRatios(samples.get('bare Fastify') ?? [], samples.get('full stack') ?? []);
    process.stdout.write(
      `median req/s: bare Fastify ${bareRate.toFixed(0)}, minimal NestJS ${nestRate.toFixed(0)}, ` +
        `full stack (auth, Redis rate limit, log line, metrics) ${fullRate.toFixed(0)}\n` +
        `minimal NestJS / bare Fastify: ${((nestRate / bareRate) * 100).toFixed(1)}% (what the framework costs)\n` +
        `full stack / bare Fastify: ${((fullRate / bareRate) * 100).toFixed(1)}% (target >= 60%); ` +
        `round by round: median ${median(ratios).toFixed(1)}%, ${Math.min(...ratios).toFixed(1)}-${Math.max(...ratios).toFixed(1)}%\n`,
    );

    // The 304 path: a bot polling an unchanged forecast with the ETag it holds.
    await seedPrediction(RUN);
    const probe = await fetch(`http://127.0.0.1:${full.port}/predict/BTC`, {
      headers: { 'x-api-key': ADMIN_KEY },
    });
    const etag = probe.headers.get('etag');
    if (probe.status !== 200 || !etag) {
      throw new Error(`/predict/BTC answered ${probe.status} with ETag ${String(etag)}`);
    }
    const conditional: { label: string; port: number; headers: Record<string, string> }[] = [
      {
        label: 'bare Fastify 304',
        port: bare.port,
        headers: { 'if-none-match': '"bare-predict-btc"' },
      },
      {
        label: 'full stack 304',
        port: full.port,
        headers: { 'x-api-key': ADMIN_KEY, 'if-none-match': etag },
      },
    ];
    process.stdout.write(
      `\nGET /predict/BTC with If-None-Match (every answer a 304), ${ROUNDS} alternating rounds\n`,
    );
    const conditionalSamples = new Map<string, number[]>(
      conditional.map(({ label }) => [label, []]),
    );
    for (let round = 1; round <= ROUNDS; round++) {
      for (const { label, port, headers } of conditional) {
        conditionalSamples
          .get(label)
          ?.push(
            (await measure(`round ${round}: ${label}`, port, headers, '/predict/BTC')).requests
              .average,
          );
      }
    }
    const bare304 = median(conditionalSamples.get('bare Fastify 304') ?? []);
    const full304 = median(conditionalSamples.get('full stack 304') ?? []);
    process.stdout.write(
      `median req/s: bare Fastify 304 ${bare304.toFixed(0)}, full stack 304 ${full304.toFixed(0)}; ` +
        `full stack / bare Fastify on the 304 path: ${((full304 / bare304) * 100).toFixed(1)}%\n`,
    );
  } finally {
    for (const child of servers) {
      child.kill('SIGTERM');
    }
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const admin = new Client({
      connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${RUN}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
