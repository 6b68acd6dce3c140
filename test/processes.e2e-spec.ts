import { spawn } from 'node:child_process';
import { JOBS, QUEUES, SCHEDULES } from '../src/queue/queue.catalogue';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Test } from '@nestjs/testing';
import { DiscoveryModule } from '@nestjs/core';
import { AppConfig } from '../src/config/app-config';
import { ConfigModule } from '../src/config/config.module';
import { QueueModule } from '../src/queue/queue.module';
import { QueueWorkersService } from '../src/queue/queue-workers.service';
import { HotPath } from '../src/cluster/hot-path';
import { QueueService } from '../src/queue/queue.service';
import { sleep, waitFor } from './support/wait-for';
import { DIST, run } from './support/processes';
import { databaseUrl, scratchName, testEnv } from './support/test-env';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('configuration errors', () => {
  it('stop the process with one message listing every bad key', async () => {
    const proc = run('main.js', {
      ...testEnv(),
      PORT: 'eighty',
      DATABASE_URL: 'mysql://nope',
      ADMIN_API_KEY: 'short',
      LOG_LEVEL: 'loud',
      PUBLIC_READ: 'perhaps',
    });
    const { code } = await proc.exited;
    expect(code).toBe(78);
    const output = proc.output();
    expect(output).toContain('Invalid configuration (5 problems)');
    expect(output).toContain('PORT: must be a number');
    expect(output).toContain(
      'DATABASE_URL: must be a URL starting with postgres:// or postgresql://',
    );
    expect(output).toContain('ADMIN_API_KEY: must be at least 24 characters');
    expect(output).toContain(
      'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent',
    );
    expect(output).toContain('PUBLIC_READ: must be one of true, false, 1, 0, yes, no');
  });
});

describe('the api process', () => {
  it('is ready within 30 s, finishes in-flight requests on SIGTERM and exits 0', async () => {
    const port = await freePort();
    const startedAt = Date.now();
    const proc = run('main.js', { ...testEnv({ PORT: String(port), LOG_LEVEL: 'info' }) }, [
      '--with-worker',
    ]);
    try {
      await waitFor(
        async () =>
          (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200 ? true : undefined,
        { timeoutMs: 30_000, intervalMs: 200, what: 'the api to be ready' },
      );
      expect(Date.now() - startedAt).toBeLessThan(30_000);
      // One request whose log line is looked for after exit (buffered lines are flushed then).
      const traced = await fetch(`http://127.0.0.1:${port}/health`, {
        headers: { 'x-request-id': 'proc-log-check-1' },
      });
      expect(traced.headers.get('x-request-id')).toBe('proc-log-check-1');

      // A burst in flight when SIGTERM arrives: every request that got in gets its answer.
      const inFlight = Array.from({ length: 60 }, () =>
        fetch(`http://127.0.0.1:${port}/health`).then(
          (response) => response.status,
          (error: Error & { cause?: { code?: string } }) => error.cause?.code ?? error.message,
        ),
      );
      // Let the burst get in flight before the signal (the interval is the point).
      await sleep(5);
      proc.child.kill('SIGTERM');
      // While draining, the process still answers but reports itself not ready.
      await waitFor(
        async () =>
          (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 503 ? true : undefined,
        { timeoutMs: 900, intervalMs: 20, what: 'readiness to report draining' },
      );
      const outcomes = await Promise.all(inFlight);
      const { code } = await proc.exited;
      expect(code).toBe(0);
      // Every request that reached the process before SIGTERM was answered; none was cut.
      expect(outcomes).toEqual(outcomes.map(() => 200));
      expect(proc.output()).toContain('Shut down cleanly');
      const requestLine = proc
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => line.requestId === 'proc-log-check-1');
      expect(requestLine).toMatchObject({
        method: 'GET',
        url: '/health',
        route: '/health',
        statusCode: 200,
        role: expect.any(String),
      });
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    } finally {
      proc.child.kill('SIGKILL');
    }
  });
});

describe('logs', () => {
  it('are written out when the process dies of an uncaught exception', async () => {
    // The logger buffers lines in 4 KiB blocks; the crash comes before its 200 ms flush.
    const script = `
      const { AppConfig } = require(${JSON.stringify(join(DIST, 'config', 'app-config.js'))});
      const { createRootLogger } = require(${JSON.stringify(join(DIST, 'logging', 'root-logger.js'))});
      const logger = createRootLogger(AppConfig.fromEnv({ LOG_PRETTY: 'false' }), 'test');
      logger.info('the last line before the crash');
      setTimeout(() => { throw new Error('crash'); }, 10);
    `;
    const child = spawn(process.execPath, ['-e', script], {
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const code = await new Promise((resolve) => child.on('exit', resolve));
    expect(code).not.toBe(0);
    expect(stdout).toContain('"msg":"the last line before the crash"');
  });
});

describe('the worker process', () => {
  it('starts, connects to Redis, and shuts down cleanly on SIGTERM', async () => {
    const proc = run('worker.js', testEnv({ LOG_LEVEL: 'info' }));
    try {
      await waitFor(async () => (proc.output().includes('Worker started') ? true : undefined), {
        timeoutMs: 30_000,
        intervalMs: 100,
        what: 'the worker to start',
      });
      expect(proc.output()).toContain(
        `Worker started: ${Object.keys(QUEUES).length} queue(s), ${Object.keys(JOBS).length} job processor(s), ${SCHEDULES.length} schedule(s)`,
      );
      proc.child.kill('SIGTERM');
      const { code, signal } = await proc.exited;
      if (code !== 0) {
        // Say how it ended and what it printed: a rare CI failure showed only `code: null`.
        process.stderr.write(
          `worker exited with ${code} (${signal})\n${proc.output().slice(-4000)}\n`,
        );
      }
      expect(code).toBe(0);
      expect(proc.output()).toContain('Worker stopped');
    } finally {
      proc.child.kill('SIGKILL');
    }
  });

  it('refuses to start when a job of the catalogue has no processor', async () => {
    const config = AppConfig.fromEnv(testEnv());
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(config), QueueModule, DiscoveryModule],
      providers: [QueueWorkersService, HotPath],
    }).compile();
    try {
      await expect(moduleRef.init()).rejects.toThrow('Jobs without a processor: clean-queues');
    } finally {
      // close() re-raises the failed start; release the queue connections it opened directly.
      await moduleRef.close().catch(() => moduleRef.get(QueueService).onApplicationShutdown());
    }
  });
});

describe('the cli', () => {
  async function cli(...args: string[]): Promise<{ code: number | null; output: string }> {
    const proc = run('cli.js', testEnv(), args);
    const { code } = await proc.exited;
    return { code, output: proc.output() };
  }

  it('creates, lists and revokes API keys', async () => {
    const created = await cli('api-key', 'create', '--name', 'from-cli', '--role', 'client');
    expect(created.code).toBe(0);
    const key = /Key \(shown once, store it now\): (cft_\S+)/.exec(created.output)?.[1];
    const id = /\(id ([0-9a-f-]{36})\)/.exec(created.output)?.[1];
    expect(key).toBeDefined();
    expect(id).toBeDefined();

    const listed = await cli('api-key', 'list');
    expect(listed.code).toBe(0);
    expect(listed.output).toContain('from-cli');
    expect(listed.output).toContain(key?.slice(0, 12));
    expect(listed.output).not.toContain(key);

    const revoked = await cli('api-key', 'revoke', id ?? '');
    expect(revoked.code).toBe(0);
    expect(revoked.output).toMatch(/Revoked key "from-cli"/);

    const badRole = await cli('api-key', 'create', '--name', 'x', '--role', 'root');
    expect(badRole.code).not.toBe(0);
    expect(badRole.output).toContain('must be one of admin, client');
    const unknownId = await cli('api-key', 'revoke', '00000000-0000-4000-8000-000000000000');
    expect(unknownId.code).toBe(1);
    expect(unknownId.output).toContain('No API key with id 00000000-0000-4000-8000-000000000000');
  });
});

describe('the offline demo (npm run demo)', () => {
  it('serves candles of all four symbols within a minute, then new closed candles arrive live', async () => {
    const port = await freePort();
    const env = Object.fromEntries(
      Object.entries(
        testEnv({
          PORT: String(port),
          SIMULATOR_PORT: String(await freePort()),
          DATABASE_URL: databaseUrl(scratchName('demo')),
          REDIS_PREFIX: scratchName('demo'),
          DEMO_HISTORY_DAYS: '3',
          ADMIN_API_KEY: undefined,
          LIVE_STREAM: undefined,
          EXCHANGE_REST_URL: undefined,
          EXCHANGE_WS_URL: undefined,
        }),
      ).filter(([, value]) => value !== undefined),
    );
    const proc = run('demo.js', env);
    const base = `http://127.0.0.1:${port}`;
    const startedAt = Date.now();
    try {
      const latest = async (symbol: string) => {
        const response = await fetch(
          `${base}/candles/${symbol}?interval=1m&from=${Date.now() - 3_600_000}`,
        );
        if (response.status !== 200) {
          return undefined;
        }
        const page = (await response.json()) as { candles: { openTime: string }[] };
        return page.candles.length
          ? Date.parse(page.candles[page.candles.length - 1]!.openTime)
          : undefined;
      };
      const lastOpenTimes = await waitFor(
        async () => {
          const times = await Promise.all(
            ['BTC', 'ETH', 'SOL', 'ADA'].map((symbol) => latest(symbol).catch(() => undefined)),
          );
          return times.every((time) => time !== undefined && time >= Date.now() - 3 * 60_000)
            ? (times as number[])
            : undefined;
        },
        {
          timeoutMs: 60_000,
          what: `candles of all four symbols (output: ${proc.output().slice(-2000)})`,
        },
      );
      expect(Date.now() - startedAt).toBeLessThan(60_000);
      // A 1m candle closes at the latest a minute later and comes in over the simulator's websocket.
      await waitFor(
        async () => (((await latest('BTC')) ?? 0) > lastOpenTimes[0]! ? true : undefined),
        {
          timeoutMs: 75_000,
          what: 'a new live candle',
        },
      );
      const markets = (await (await fetch(`${base}/markets`)).json()) as {
        live: { connected: boolean };
      }[];
      expect(markets.every((market) => market.live.connected)).toBe(true);
    } finally {
      proc.child.kill('SIGTERM');
      await proc.exited;
    }
  }, 180_000);
});
