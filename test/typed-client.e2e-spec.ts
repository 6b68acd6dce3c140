import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { readCandleCsv } from '../src/simulator/candle-series';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { api } from './support/api';
import { run, type Running } from './support/processes';
import { waitFor } from './support/wait-for';
import { TEST_ADMIN_KEY, databaseUrl, scratchName, testEnv } from './support/test-env';

const ROOT = join(__dirname, '..');
const GENERATED = join(ROOT, 'clients', 'typescript', 'src', 'generated');
/** Where the swc-compiled TypeScript bot lands (next to the compiled service). */
const TS_BOT = join(ROOT, 'dist', 'examples', 'typescript', 'bot.js');
const PY_BOT = join(ROOT, 'examples', 'python', 'bot.py');
const PYTHON = '/usr/bin/python3';
const CANDLES = readCandleCsv(
  join(__dirname, 'fixtures', 'klines', 'BTCUSDT-1h-2022-08-20_2022-09-30.csv'),
).slice(-300);

/** The compiled TypeScript bot and the stdlib Python bot, as the README tells a user to run them. */
interface Bot {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  port: number;
}

describe('typed client: generated files', () => {
  it('are what `npm run client:generate` produces from openapi.yaml and schema.gql', () => {
    const out = mkdtempSync(join(tmpdir(), 'typed-client-'));
    try {
      const generate = spawnSync(
        process.execPath,
        [join(ROOT, 'clients', 'typescript', 'scripts', 'generate.mjs'), '--out', out],
        { cwd: ROOT, encoding: 'utf8' },
      );
      expect(generate.stderr).toBe('');
      expect(generate.status).toBe(0);
      for (const file of ['openapi.ts', 'graphql.ts']) {
        expect(`${file}:\n${readFileSync(join(GENERATED, file), 'utf8')}`).toBe(
          `${file}:\n${readFileSync(join(out, file), 'utf8')}`,
        );
      }
      const graphql = readFileSync(join(out, 'graphql.ts'), 'utf8');
      for (const document of [
        'PredictDocument',
        'CandlesDocument',
        'SignalsDocument',
        'SignalCreatedDocument',
        'CandleClosedDocument',
      ]) {
        expect(graphql).toContain(`export const ${document} = `);
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});

/**
 * The examples of `examples/` against the service (api and worker in one process, as `npm start`
 * runs it, compiled in dist/) fed by the exchange simulator: each bot prints a forecast, a signal
 * it received and a webhook it verified, then exits (RUN_ONCE).
 */
describe('typed client: the example bots against the service', () => {
  let sim: ExchangeSimulator;
  let service: Running | undefined;
  let url: string;
  let clientKey: string;
  let last = CANDLES[CANDLES.length - 1]!;
  const bots: Bot[] = [];
  const as = (key: string) => api(url, { key });

  async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  /** A signal.created subscription to a receiver on `port`: its secret goes to the bot. */
  async function subscribeWebhook(port: number): Promise<string> {
    const response = await as(clientKey).post('/webhooks', {
      body: { url: `http://127.0.0.1:${port}/hooks`, events: ['signal.created'], symbols: ['BTC'] },
    });
    expect(response.status).toBe(201);
    return response.body.secret;
  }

  async function startBot(name: string, command: string, script: string): Promise<Bot> {
    const port = await freePort();
    const secret = await subscribeWebhook(port);
    const child = spawn(command, [script], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        FORECAST_BASE_URL: url,
        FORECAST_API_KEY: clientKey,
        WEBHOOK_SECRET: secret,
        WEBHOOK_PORT: String(port),
        SYMBOL: 'BTC',
        POLL_INTERVAL_MS: '500',
        RUN_ONCE: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    const bot = { name, child, output: () => output, exited, port };
    bots.push(bot);
    await waitFor(
      async () =>
        output.includes(`webhook receiver on http://127.0.0.1:${port}/`) ? true : undefined,
      { what: `the ${name} bot's webhook receiver`, timeoutMs: 15_000 },
    );
    return bot;
  }

  beforeAll(async () => {
    // The bot as a user runs it: compiled by swc (types stripped), the client from its source.
    const compile = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules', '@swc', 'cli', 'bin', 'swc.js'),
        'examples/typescript',
        'clients/typescript/src',
        '-d',
        'dist',
        '--config-file',
        '.swcrc',
        '-q',
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    expect(compile.stderr).toBe('');
    expect(compile.status).toBe(0);

    sim = await ExchangeSimulator.start({ speed: 0 });
    sim.load('BTCUSDT', '1h', CANDLES);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    service = run(
      'main.js',
      testEnv({
        PORT: String(port),
        LOG_LEVEL: 'warn',
        DATABASE_URL: databaseUrl(scratchName('client')),
        REDIS_PREFIX: scratchName('client'),
        SYMBOLS: 'BTC',
        INTERVALS: '1h',
        MODEL_INTERVALS: '1h',
        EXCHANGE: 'binance',
        EXCHANGE_REST_URL: sim.restUrl,
        EXCHANGE_WS_URL: sim.wsUrl,
        BACKFILL_FROM: new Date(CANDLES[0]!.openTime).toISOString(),
        LIVE_STREAM: 'true',
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        SECRET_KEY: 'typed-client-test-secret-key-0123456789',
      }),
      ['--with-worker'],
    );
    const started = service;
    await waitFor(
      async () => ((await fetch(`${url}/health/ready`)).status === 200 ? true : undefined),
      { what: 'the service to be ready', timeoutMs: 60_000, intervalMs: 200 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; its output:\n${started.output()}`);
    });
    clientKey = (
      await as(TEST_ADMIN_KEY).post('/admin/api-keys', {
        body: { name: 'example-bots', role: 'client' },
      })
    ).body.key;
    await waitFor(
      async () =>
        (await as(clientKey).get('/markets')).body[0]?.count === CANDLES.length &&
        sim.openConnections === 1
          ? true
          : undefined,
      { what: 'the backfill and the stream', timeoutMs: 30_000 },
    );
  }, 90_000);

  /** SIGTERM, and SIGKILL if the process has not exited 10 s later. */
  async function stop(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    }
  }

  afterAll(async () => {
    for (const bot of bots) {
      await stop(bot.child, bot.exited);
    }
    if (service) {
      await stop(service.child, service.exited);
    }
    await sim?.close();
  }, 30_000);

  it('the TypeScript and the Python bot print a forecast, a received signal and a verified webhook', async () => {
    const tsBot = await startBot('TypeScript', process.execPath, TS_BOT);
    const pyBot = await startBot('Python', PYTHON, PY_BOT);

    // A delivery signed with another secret is refused by both receivers.
    const forged = JSON.stringify({ type: 'signal.created', timestamp: new Date().toISOString() });
    const otherSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    for (const bot of [tsBot, pyBot]) {
      const sentAt = new Date();
      const response = await fetch(`http://127.0.0.1:${bot.port}/hooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': 'msg_forged',
          'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
          'webhook-signature': new Webhook(otherSecret).sign('msg_forged', sentAt, forged),
        },
        body: forged,
      });
      expect(response.status).toBe(401);
      await waitFor(async () => (bot.output().includes('webhook rejected') ? true : undefined), {
        what: `the ${bot.name} bot to reject the forged webhook`,
      });
    }

    // Candles close until both bots are done: the TypeScript bot's subscription may need a moment
    // to be registered, so one close might come before it listens.
    const running = () => bots.filter((bot) => bot.child.exitCode === null);
    for (let closes = 0; closes < 10 && running().length > 0; closes++) {
      last = await sim.closeNext('BTCUSDT', '1h', last, 0.002);
      await waitFor(async () => (running().length === 0 ? true : undefined), {
        timeoutMs: 4_000,
      }).catch(() => undefined);
    }

    for (const bot of [tsBot, pyBot]) {
      const output = bot.output();
      expect(`${bot.name}: exit ${bot.child.exitCode ?? '(still running)'}\n${output}`).toBe(
        `${bot.name}: exit 0\n${output}`,
      );
      expect(output).toMatch(
        /^forecast BTC 1h \((model|baseline)\) after the candle of \S+: close [\d.]+ -> [\d.]+/m,
      );
      expect(output).toMatch(/^signal received BTC 1h default: (BUY|SELL|HOLD) at [\d.]+/m);
      expect(output).toMatch(/^webhook signal\.created msg_\S+ verified BTC (BUY|SELL|HOLD)$/m);
      expect(output).toMatch(/^done: a forecast, a signal and a verified webhook$/m);
      expect(output).not.toContain('Traceback');
    }
    expect(tsBot.output()).toMatch(/^candles over GraphQL BTC 1h start at 2022-\S+Z$/m);
  }, 120_000);
});
