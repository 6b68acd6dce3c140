import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import request from 'supertest';
import type { PaperTradeEvent } from '../src/paper/paper-events';
import { WebhookReceiver } from '../src/simulator/webhook-receiver';
import { connectGraphQLWs } from './support/graphql-ws';
import { eventually, startTestApp, type TestApp } from './support/test-app';
import { REDIS_URL, databaseUrl, scratchName, testEnv } from './support/test-env';

const HOUR_MS = 3_600_000;
const CLI = join(__dirname, '..', 'dist', 'src', 'cli.js');
/** Candles of the recorded books (any past hours: the records are written here, not stepped). */
const T0 = Date.UTC(2022, 8, 1);

const METRICS =
  'finalEquity totalReturn cagr sharpe sortino maxDrawdown winRate profitFactor trades exposure feesPaid';
const ACCOUNT = `id name strategy { id name version } markets interval startingCash feeRate slippage
  sizing { kind fraction targetVolatility maxFraction } status createdAt closedAt startTime lastCandle
  lateCandles metrics { ${METRICS} } buyAndHold { ${METRICS} } backtest { ${METRICS} }`;
const TRADE =
  'symbol entryTime entryPrice exitTime exitPrice quantity fees profit returnPct exitReason';
const POSITION =
  'symbol cash quantity entryPrice entryTime markPrice equity feesPaid lastCandle lateCandles';
const EXECUTED = `orderId accountId accountName symbol pair interval side reason decisionTime fillTime
  price quantity fee executedAt trade { ${TRADE} }`;

interface Account {
  id: string;
  name: string;
  status: string;
  strategy: { id: string };
  sizing: Record<string, unknown>;
}

interface GraphQLError {
  message: string;
  extensions: { code: string; details?: { field: string }[] };
}

/** GraphQL answers `null` for a sizing parameter the account does not have; REST leaves it out. */
function restShape(account: Account): Account {
  return {
    ...account,
    sizing: Object.fromEntries(Object.entries(account.sizing).filter(([, v]) => v !== null)),
  };
}

/**
 * Paper accounts through every edge: GraphQL against REST for one account, the `paperTradeExecuted`
 * subscription and the `paper.trade` webhook fed from the worker's Redis channel, access levels and
 * input errors, and the CLI's JSON against REST.
 */
describe('paper accounts over GraphQL, live events, webhooks and the CLI', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let clientKey: string;
  let account: Account;
  const database = databaseUrl(scratchName('paper'));
  const prefix = scratchName('paper');
  const env = {
    DATABASE_URL: database,
    REDIS_PREFIX: prefix,
    SYMBOLS: 'BTC,ETH',
    INTERVALS: '1h',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_RETRY_SCHEDULE: '200ms,300ms,500ms',
    SECRET_KEY: 'paper-test-secret-key-0123456789abcdef',
  };
  const rest = (key: string) => ({
    get: (path: string, query: Record<string, string | number> = {}) =>
      request(t.url).get(path).query(query).set('x-api-key', key),
    send: (method: 'post' | 'patch' | 'delete', path: string, body?: object) =>
      request(t.url)[method](path).set('x-api-key', key).send(body),
  });
  const graphql = async (key: string, query: string) => {
    const response = await request(t.url).post('/graphql').set('x-api-key', key).send({ query });
    return response.body as { data?: Record<string, unknown>; errors?: GraphQLError[] };
  };
  /** The data of a query that must succeed. */
  const data = async (key: string, query: string) => {
    const body = await graphql(key, query);
    expect(body.errors).toBeUndefined();
    return body.data!;
  };

  /** The two books' records: equity at three candles, one round trip each. */
  async function recordBooks(accountId: string): Promise<void> {
    const pg = new Client({ connectionString: database });
    await pg.connect();
    try {
      const equity: [string, number, number, number][] = [
        ['BTCUSDT', T0, 5000, 0],
        ['BTCUSDT', T0 + HOUR_MS, 0, 5050],
        ['BTCUSDT', T0 + 2 * HOUR_MS, 5030, 0],
        ['ETHUSDT', T0, 5000, 0],
        ['ETHUSDT', T0 + HOUR_MS, 4990, 0],
        ['ETHUSDT', T0 + 2 * HOUR_MS, 5010, 0],
      ];
      for (const [symbol, time, cash, positionValue] of equity) {
        await pg.query(
          `INSERT INTO paper_equity (account_id, symbol, open_time, cash, position_value, equity, late)
           VALUES ($1, $2, to_timestamp($3 / 1000.0), $4, $5, $6, false)`,
          [accountId, symbol, time, cash, positionValue, cash + positionValue],
        );
      }
      await pg.query(
        `INSERT INTO paper_trades (account_id, symbol, entry_time, exit_time, entry_price, exit_price,
           quantity, fees, profit, return_pct, exit_reason)
         VALUES ($1, 'BTCUSDT', to_timestamp($2 / 1000.0), to_timestamp($3 / 1000.0), 20000, 20120,
                 0.25, 10, 20, 0.004, 'signal'),
                ($1, 'ETHUSDT', to_timestamp($2 / 1000.0), to_timestamp($4 / 1000.0), 1600, 1596,
                 3, 9.6, -21.6, -0.0045, 'stop-loss')`,
        [accountId, T0, T0 + 2 * HOUR_MS, T0 + HOUR_MS],
      );
    } finally {
      await pg.end();
    }
  }

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    t = await startTestApp({ worker: true, env });
    const created = await rest(t.adminKey).send('post', '/admin/api-keys', {
      name: 'paper-client',
      role: 'client',
    });
    clientKey = created.body.key as string;
    const opened = await rest(t.adminKey).send('post', '/admin/paper-accounts', {
      name: 'contract-forward',
      strategy: 'default',
      markets: ['BTC', 'ETH'],
      startingCash: 10000,
    });
    expect(opened.status).toBe(201);
    account = opened.body as Account;
    await recordBooks(account.id);
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('answers every GraphQL query as the REST route does, for a client key', async () => {
    const { id } = account;
    const list = await rest(clientKey).get('/paper-accounts');
    expect(list.status).toBe(200);
    const { paperAccounts } = (await data(clientKey, `{ paperAccounts { ${ACCOUNT} } }`)) as {
      paperAccounts: Account[];
    };
    expect(paperAccounts.map(restShape)).toEqual(list.body);

    const one = await rest(clientKey).get(`/paper-accounts/${id}`);
    expect(one.status).toBe(200);
    const { paperAccount } = (await data(
      clientKey,
      `{ paperAccount(id: "${id}") { ${ACCOUNT} } }`,
    )) as { paperAccount: Account & { metrics: { finalEquity: number; trades: number } } };
    expect(restShape(paperAccount)).toEqual(one.body);
    // The figures of the recorded books: equity summed over both markets, both round trips.
    expect(paperAccount.metrics.finalEquity).toBe(5030 + 5010);
    expect(paperAccount.metrics.trades).toBe(2);

    const trades = await rest(clientKey).get(`/paper-accounts/${id}/trades`, {
      offset: 1,
      limit: 1,
    });
    expect(trades.status).toBe(200);
    expect(trades.body).toEqual([
      expect.objectContaining({ symbol: 'BTC', profit: 20, exitReason: 'signal' }),
    ]);
    const { paperTrades } = await data(
      clientKey,
      `{ paperTrades(id: "${id}", offset: 1, limit: 1) { ${TRADE} } }`,
    );
    expect(paperTrades).toEqual(trades.body);

    const positions = await rest(clientKey).get(`/paper-accounts/${id}/positions`);
    expect(positions.status).toBe(200);
    expect((positions.body as { symbol: string }[]).map((p) => p.symbol)).toEqual(['BTC', 'ETH']);
    const { paperPositions } = await data(
      clientKey,
      `{ paperPositions(id: "${id}") { ${POSITION} } }`,
    );
    expect(paperPositions).toEqual(positions.body);

    const from = new Date(T0).toISOString();
    const to = String(T0 + 2 * HOUR_MS);
    const equity = await rest(clientKey).get(`/paper-accounts/${id}/equity`, {
      from,
      to,
      limit: 2,
    });
    expect(equity.status).toBe(200);
    expect(equity.body).toMatchObject({
      points: [{ equity: 10000 }, { equity: 5050 + 4990, positionValue: 5050 }],
      next: new Date(T0 + 2 * HOUR_MS).toISOString(),
    });
    const { paperEquity } = await data(
      clientKey,
      `{ paperEquity(id: "${id}", from: "${from}", to: "${to}", limit: 2) {
           points { time cash positionValue equity late } next } }`,
    );
    expect(paperEquity).toEqual(equity.body);
  });

  it('opens, pauses, resumes and closes an account by mutation, as the admin routes do', async () => {
    const { openPaperAccount: opened } = (await data(
      t.adminKey,
      `mutation { openPaperAccount(input: { name: "contract-mutations", strategy: "default",
         markets: ["ETH"], startingCash: 2500, feeRate: 0.002, sizing: { kind: "fraction", fraction: 0.5 } }) { ${ACCOUNT} } }`,
    )) as { openPaperAccount: Account };
    expect(opened).toMatchObject({
      name: 'contract-mutations',
      markets: ['ETH'],
      status: 'active',
      sizing: { kind: 'fraction', fraction: 0.5 },
    });
    const { id } = opened;
    expect(restShape(opened)).toEqual(
      (await rest(t.adminKey).get(`/paper-accounts/${id}`)).body as Account,
    );
    // The same terms again: the same account (idempotent by name), as the REST route.
    const again = await rest(t.adminKey).send('post', '/admin/paper-accounts', {
      name: 'contract-mutations',
      strategy: 'default',
      markets: ['ETH'],
      startingCash: 2500,
      feeRate: 0.002,
      sizing: { kind: 'fraction', fraction: 0.5 },
    });
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(id);

    const paused = await data(
      t.adminKey,
      `mutation { setPaperAccountStatus(id: "${id}", status: "paused") { id status } }`,
    );
    expect(paused.setPaperAccountStatus).toEqual({ id, status: 'paused' });
    expect((await rest(clientKey).get(`/paper-accounts/${id}`)).body.status).toBe('paused');
    const resumed = await rest(t.adminKey).send('patch', `/admin/paper-accounts/${id}`, {
      status: 'active',
    });
    expect(resumed.status).toBe(200);
    expect(
      (await data(clientKey, `{ paperAccount(id: "${id}") { status } }`)).paperAccount,
    ).toEqual({ status: 'active' });

    const { closePaperAccount: closed } = (await data(
      t.adminKey,
      `mutation { closePaperAccount(id: "${id}") { ${ACCOUNT} } }`,
    )) as { closePaperAccount: Account & { closedAt: string | null } };
    expect(closed.status).toBe('closed');
    expect(closed.closedAt).not.toBeNull();
    const afterClose = (await rest(clientKey).get(`/paper-accounts/${id}`)).body as Account;
    expect(afterClose).toMatchObject({ status: 'closed', closedAt: closed.closedAt });
    // A closed account stays closed: a conflict on both edges.
    const reopened = await graphql(
      t.adminKey,
      `mutation { setPaperAccountStatus(id: "${id}", status: "active") { status } }`,
    );
    expect(reopened.errors?.[0]?.extensions.code).toBe('CONFLICT');
    expect(
      (await rest(t.adminKey).send('patch', `/admin/paper-accounts/${id}`, { status: 'active' }))
        .status,
    ).toBe(409);
  });

  it('lets a client key read but not write, and refuses bad input naming the field', async () => {
    const { id } = account;
    const forbidden = [
      `mutation { openPaperAccount(input: { name: "by-client", strategy: "default", markets: ["BTC"], startingCash: 100 }) { id } }`,
      `mutation { setPaperAccountStatus(id: "${id}", status: "paused") { id } }`,
      `mutation { closePaperAccount(id: "${id}") { id } }`,
    ];
    for (const mutation of forbidden) {
      expect((await graphql(clientKey, mutation)).errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    }
    expect(
      (
        await rest(clientKey).send('post', '/admin/paper-accounts', {
          name: 'by-client',
          strategy: 'default',
          markets: ['BTC'],
          startingCash: 100,
        })
      ).status,
    ).toBe(403);
    expect(
      (await rest(clientKey).send('patch', `/admin/paper-accounts/${id}`, { status: 'paused' }))
        .status,
    ).toBe(403);
    expect((await rest(clientKey).send('delete', `/admin/paper-accounts/${id}`)).status).toBe(403);
    expect((await rest(clientKey).get(`/paper-accounts/${id}`)).body.status).toBe('active');
    // Without a key, not even reads.
    expect((await request(t.url).get('/paper-accounts')).status).toBe(401);

    /** The fields a refused GraphQL operation names. */
    const refusedFields = async (query: string, key = clientKey) => {
      const { errors } = await graphql(key, query);
      expect(errors?.[0]?.extensions.code).toBe('VALIDATION_FAILED');
      return [...new Set(errors![0]!.extensions.details!.map((d) => d.field))];
    };
    expect(await refusedFields(`{ paperAccount(id: "not-an-id") { id } }`)).toEqual(['id']);
    expect(await refusedFields(`{ paperTrades(id: "${id}", limit: 0) { symbol } }`)).toEqual([
      'limit',
    ]);
    expect(await refusedFields(`{ paperEquity(id: "${id}", from: "yesterday") { next } }`)).toEqual(
      ['from'],
    );
    expect(
      await refusedFields(
        `mutation { setPaperAccountStatus(id: "${id}", status: "closed") { id } }`,
        t.adminKey,
      ),
    ).toEqual(['status']);
    expect(
      await refusedFields(
        `mutation { openPaperAccount(input: { name: "bad-markets", strategy: "default", markets: ["BTC", "DOGE"], startingCash: 100 }) { id } }`,
        t.adminKey,
      ),
    ).toEqual(['markets[1]']);
    const notFound = await graphql(
      clientKey,
      `
        {
          paperPositions(id: "00000000-0000-4000-8000-000000000000") {
            symbol
          }
        }
      `,
    );
    expect(notFound.errors?.[0]?.extensions.code).toBe('NOT_FOUND');

    const bad = await rest(t.adminKey).send('post', '/admin/paper-accounts', {
      name: 'Bad Name',
      strategy: 'default',
      markets: ['BTC'],
      startingCash: -5,
    });
    expect(bad.status).toBe(400);
    expect(
      [...new Set((bad.body.details as { field: string }[]).map((d) => d.field))].sort(),
    ).toEqual(['name', 'startingCash']);
    const badPage = await rest(clientKey).get(`/paper-accounts/${id}/trades`, { limit: 0 });
    expect(badPage.status).toBe(400);
    expect((badPage.body.details as { field: string }[])[0]!.field).toBe('limit');
  });

  it('sends each filled order to paperTradeExecuted subscribers and as one signed paper.trade webhook', async () => {
    const hook = await rest(clientKey).send('post', '/webhooks', {
      url: `${receiver.url}/paper`,
      events: ['paper.trade'],
      symbols: ['BTC'],
    });
    expect(hook.status).toBe(201);
    receiver.trust(hook.body.secret as string);
    // A subscriber of the other market's orders gets nothing of this one.
    const other = await rest(clientKey).send('post', '/webhooks', {
      url: `${receiver.url}/paper-eth`,
      events: ['paper.trade'],
      symbols: ['ETH'],
    });
    expect(other.status).toBe(201);

    const { socket, messages, subscribe } = await connectGraphQLWs(t.url, {
      'x-api-key': clientKey,
    });
    await subscribe(
      'by-id',
      `subscription { paperTradeExecuted(accountId: "${account.id}") { ${EXECUTED} } }`,
    );
    await subscribe(
      'by-name',
      `subscription { paperTradeExecuted(accountId: "${account.name}") { orderId } }`,
    );
    await subscribe('all', 'subscription { paperTradeExecuted { orderId accountName } }');
    await subscribe(
      'elsewhere',
      `subscription { paperTradeExecuted(accountId: "${randomUUID()}") { orderId } }`,
    );

    // What the worker publishes after the batch that filled the order committed.
    const fillTime = T0 + 3 * HOUR_MS;
    const event: PaperTradeEvent = {
      orderId: randomUUID(),
      accountId: account.id,
      accountName: account.name,
      strategyId: account.strategy.id,
      symbol: 'BTC',
      pair: 'BTCUSDT',
      interval: '1h',
      side: 'SELL',
      reason: 'take-profit',
      decisionTime: null,
      fillTime,
      price: 20240,
      quantity: 0.25,
      fee: 5.06,
      trade: {
        entryTime: T0 + 2 * HOUR_MS,
        entryPrice: 20000,
        exitTime: fillTime,
        exitPrice: 20240,
        quantity: 0.25,
        fees: 10.06,
        profit: 49.94,
        returnPct: 0.009988,
        exitReason: 'take-profit',
      },
      executedAt: Date.now(),
    };
    const publisher = new Redis(REDIS_URL);
    // Published twice (a repeated event): one message, one delivery.
    await publisher.publish(`${prefix}:events:paper.trade`, JSON.stringify(event));
    await publisher.publish(`${prefix}:events:paper.trade`, JSON.stringify(event));
    publisher.disconnect();

    const expected = {
      orderId: event.orderId,
      accountId: account.id,
      accountName: 'contract-forward',
      symbol: 'BTC',
      pair: 'BTCUSDT',
      interval: '1h',
      side: 'SELL',
      reason: 'take-profit',
      decisionTime: null,
      fillTime: new Date(fillTime).toISOString(),
      price: 20240,
      quantity: 0.25,
      fee: 5.06,
      executedAt: new Date(event.executedAt).toISOString(),
      trade: {
        symbol: 'BTC',
        entryTime: new Date(T0 + 2 * HOUR_MS).toISOString(),
        entryPrice: 20000,
        exitTime: new Date(fillTime).toISOString(),
        exitPrice: 20240,
        quantity: 0.25,
        fees: 10.06,
        profit: 49.94,
        returnPct: 0.009988,
        exitReason: 'take-profit',
      },
    };
    const received = (id: string) =>
      eventually(async () => {
        const found = messages.filter((m) => m.type === 'next' && m.id === id);
        return found.length >= 2 ? found : undefined;
      });
    const [byId, byName, all] = await Promise.all(['by-id', 'by-name', 'all'].map(received));
    expect(byId!.map((m) => m.payload?.data?.paperTradeExecuted)).toEqual([expected, expected]);
    expect(byName![0]!.payload?.data?.paperTradeExecuted).toEqual({ orderId: event.orderId });
    expect(all![0]!.payload?.data?.paperTradeExecuted).toEqual({
      orderId: event.orderId,
      accountName: 'contract-forward',
    });
    // An account that does not exist is refused when subscribing, not left silent.
    const refused = messages.find((m) => m.id === 'elsewhere');
    expect(refused?.type).toBe('error');
    expect(JSON.stringify(refused?.payload)).toContain('No paper account');
    socket.close();

    await receiver.until(() => receiver.uniqueDelivered('/paper').size === 1);
    const [delivered] = [...receiver.uniqueDelivered('/paper').values()];
    expect(delivered!.verified).toBe(true);
    expect(JSON.parse(delivered!.body)).toEqual({
      type: 'paper.trade',
      timestamp: new Date(event.executedAt).toISOString(),
      data: expected,
    });
    const log = await rest(clientKey).get(`/webhooks/${hook.body.id as string}/deliveries`);
    expect(log.body).toEqual([
      expect.objectContaining({
        eventType: 'paper.trade',
        messageId: delivered!.headers['webhook-id'],
        succeeded: true,
      }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.received.filter((h) => h.path === '/paper')).toHaveLength(1);
    expect(receiver.received.filter((h) => h.path === '/paper-eth')).toHaveLength(0);
  });

  it('keeps paper trades from keyless connections even where PUBLIC_READ opens market events', async () => {
    const open = await startTestApp({ env: { ...env, PUBLIC_READ: 'true' } });
    try {
      const { socket, messages, subscribe } = await connectGraphQLWs(open.url, {});
      await subscribe('market', 'subscription { signalCreated(symbol: "BTC") { action } }');
      await subscribe('paper', 'subscription { paperTradeExecuted { orderId } }');
      const refused = await eventually(async () => messages.find((m) => m.id === 'paper'));
      expect(refused.type).toBe('error');
      expect(JSON.stringify(refused.payload)).toContain('needs an API key');
      // The market subscription is open (no error for it).
      expect(messages.some((m) => m.id === 'market')).toBe(false);
      socket.close();
    } finally {
      await open.close();
    }
  });

  describe('the CLI', () => {
    /** Runs the built CLI against this suite's database. */
    function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
      if (!existsSync(CLI)) {
        throw new Error('dist/src/cli.js is missing: run `npm run build` first (npm test does)');
      }
      return new Promise((resolve) => {
        const child = spawn(process.execPath, [CLI, ...args], { env: testEnv(env) });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
    }

    it('paper list and paper show print with --json what the REST routes answer', async () => {
      const list = await cli(['paper', 'list', '--json']);
      expect(list.code).toBe(0);
      expect(JSON.parse(list.stdout)).toEqual((await rest(clientKey).get('/paper-accounts')).body);

      const shown = await cli(['paper', 'show', account.name, '--json']);
      expect(shown.code).toBe(0);
      const { id } = account;
      expect(JSON.parse(shown.stdout)).toEqual({
        account: (await rest(clientKey).get(`/paper-accounts/${id}`)).body,
        positions: (await rest(clientKey).get(`/paper-accounts/${id}/positions`)).body,
        trades: (await rest(clientKey).get(`/paper-accounts/${id}/trades`)).body,
      });
      const byId = await cli(['paper', 'show', id, '--trades', '1']);
      expect(byId.code).toBe(0);
      expect(byId.stdout).toContain(`Paper account contract-forward (${id}), active`);
      expect(byId.stdout).toContain('Last 1 of 2 trades');

      const unknown = await cli(['paper', 'show', 'no-such-account']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('No paper account no-such-account');
    }, 60_000);
  });
});
