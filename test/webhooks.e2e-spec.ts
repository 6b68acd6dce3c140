import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { Client } from 'pg';
import { Webhook } from 'standardwebhooks';
import WebSocket from 'ws';
import { api, fieldProblems, type Schema } from './support/api';
import { graphql } from './support/graphql';
import { connectGraphQLWs } from './support/graphql-ws';
import type { Candle } from '../src/market-data/candle';
import { readCandleCsv } from '../src/simulator/candle-series';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { WebhookReceiver } from '../src/simulator/webhook-receiver';
import { ContractValidator } from './support/contract-validator';
import { startTestApp, type TestApp } from './support/test-app';
import { sleep, waitFor } from './support/wait-for';
import { REDIS_URL, databaseUrl, scratchName, testEnv } from './support/test-env';
import type { CachedPrediction } from '../src/models/live/prediction.cache';

const HOUR_MS = 3_600_000;
const CANDLES = readCandleCsv(
  join(__dirname, 'fixtures', 'klines', 'BTCUSDT-1h-2022-08-20_2022-09-30.csv'),
).slice(-300);
const WORKER = join(__dirname, '..', 'dist', 'src', 'worker.js');
/** A compressed retry schedule: three retries within about a second. */
const SCHEDULE = '200ms,300ms,500ms';

type Delivery = Schema<'WebhookDeliveryDto'>;

/**
 * Webhooks end to end: the api in this process, the worker in its own process (as deployed),
 * candles from the exchange simulator turning into signals, signed deliveries to local receivers
 * that verify them with the `standardwebhooks` library.
 */
describe('signal webhooks and live subscriptions', () => {
  let sim: ExchangeSimulator;
  let t: TestApp;
  let receiver: WebhookReceiver;
  let worker: { child: ChildProcess; output: () => string } | undefined;
  let clientKey: string;
  let otherKey: string;
  let last = CANDLES[CANDLES.length - 1]!;
  const database = databaseUrl(scratchName('hooks'));
  const prefix = scratchName('hooks');
  const env = () => ({
    DATABASE_URL: database,
    REDIS_PREFIX: prefix,
    SYMBOLS: 'BTC',
    INTERVALS: '1h',
    EXCHANGE: 'binance',
    EXCHANGE_REST_URL: sim.restUrl,
    EXCHANGE_WS_URL: sim.wsUrl,
    BACKFILL_FROM: new Date(CANDLES[0]!.openTime).toISOString(),
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_RETRY_SCHEDULE: SCHEDULE,
    WEBHOOK_TIMEOUT_MS: '3000',
    WEBHOOK_CONCURRENCY: '4',
    WEBHOOK_ENDPOINT_CONCURRENCY: '2',
    SECRET_KEY: 'webhook-test-secret-key-0123456789abcdef',
  });
  const as = (key: string) => api(t, { key });

  function startWorker(): void {
    if (!existsSync(WORKER)) {
      throw new Error('dist/src/worker.js is missing: run `npm run build` first (npm test does)');
    }
    const child = spawn(process.execPath, [WORKER], {
      env: {
        PATH: process.env.PATH,
        ...testEnv({ ...env(), LIVE_STREAM: 'true', LOG_LEVEL: 'warn' }),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    worker = { child, output: () => output };
  }

  async function stopWorker(signal: NodeJS.Signals): Promise<void> {
    const current = worker;
    worker = undefined;
    if (current && current.child.exitCode === null) {
      const exited = new Promise((resolve) => current.child.once('exit', resolve));
      current.child.kill(signal);
      await exited;
    }
  }

  async function waitForStream(): Promise<void> {
    await waitFor(async () => (sim.openConnections === 1 ? true : undefined), {
      what: 'the worker to hold the exchange stream',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  }

  /** Closes the next candle on the exchange: the worker stores it and the strategy decides. */
  async function closeNextCandle(): Promise<Candle> {
    last = await sim.closeNext('BTCUSDT', '1h', last, 0.002);
    return last;
  }

  async function subscribe(
    key: string,
    path: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ id: string; secret: string }> {
    const response = await as(key).post('/webhooks', {
      body: {
        url: `${receiver.url}${path}`,
        events: ['signal.created'],
        ...extra,
      },
    });
    expect(response.status).toBe(201);
    receiver.trust(response.body.secret);
    return { id: response.body.id, secret: response.body.secret };
  }

  /** The attempt log once it holds `count` successful attempts (they are written after the POST). */
  async function settledDeliveries(id: string, succeeded: number): Promise<Delivery[]> {
    return waitFor(async () => {
      const log = await deliveries(id);
      return log.filter((d) => d.succeeded).length >= succeeded ? log : undefined;
    });
  }

  async function deliveries(id: string, key = clientKey): Promise<Delivery[]> {
    const response = await as(key).get(`/webhooks/${id}/deliveries`);
    expect(response.status).toBe(200);
    return response.body;
  }

  beforeAll(async () => {
    sim = await ExchangeSimulator.start({ speed: 0 });
    sim.load('BTCUSDT', '1h', CANDLES);
    receiver = await WebhookReceiver.start();
    t = await startTestApp({ env: env() });
    clientKey = (
      await as(t.adminKey).post('/admin/api-keys', { body: { name: 'hooks-a', role: 'client' } })
    ).body.key;
    otherKey = (
      await as(t.adminKey).post('/admin/api-keys', { body: { name: 'hooks-b', role: 'client' } })
    ).body.key;
    startWorker();
    await waitForStream();
    await waitFor(
      async () =>
        ((await as(t.adminKey).get('/markets')).body[0]?.count ?? 0) >= CANDLES.length
          ? true
          : undefined,
      { what: 'the backfill', timeoutMs: 30_000 },
    );
  }, 90_000);

  // Every body delivered during a test is a `WebhookEvent` of the contract (openapi.yaml), whatever
  // its type: what a generated client types a verified webhook as.
  let checkedBodies = 0;
  afterEach(() => {
    const validator = new ContractValidator(t.openapi());
    const bodies = receiver.received.slice(checkedBodies).map((hook) => hook.body);
    checkedBodies += bodies.length;
    expect(
      bodies.flatMap((body) => validator.checkSchema('WebhookEvent', JSON.parse(body))),
    ).toEqual([]);
  });

  afterAll(async () => {
    await stopWorker('SIGTERM');
    await t?.close();
    await receiver?.close();
    await sim?.close();
  });

  it('creates a subscription showing its secret once, stores the secret encrypted, and keeps owners apart', async () => {
    const created = await as(clientKey).post('/webhooks', {
      body: {
        url: `${receiver.url}/owned`,
        events: ['signal.created', 'prediction.updated'],
        symbols: ['btcusdt'],
        description: 'bot',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: `${receiver.url}/owned`,
      events: ['signal.created', 'prediction.updated'],
      symbols: ['BTC'],
      enabled: true,
    });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const id = created.body.id;

    const fetched = await as(clientKey).get(`/webhooks/${id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).not.toHaveProperty('secret');
    const pg = new Client({ connectionString: database });
    await pg.connect();
    const [row] = (
      await pg.query('SELECT secret_encrypted FROM webhook_subscriptions WHERE id = $1', [id])
    ).rows as { secret_encrypted: string }[];
    await pg.end();
    expect(row!.secret_encrypted).not.toContain(created.body.secret.slice(6));
    expect(row!.secret_encrypted.startsWith('v1:')).toBe(true);

    // Another client key cannot see, change, test or delete it: it does not exist for them.
    expect((await as(otherKey).get(`/webhooks/${id}`)).status).toBe(404);
    expect(
      (await as(otherKey).patch(`/webhooks/${id}`, { body: { description: 'mine' } })).status,
    ).toBe(404);
    expect((await as(otherKey).post(`/webhooks/${id}/test`)).status).toBe(404);
    expect((await as(otherKey).delete(`/webhooks/${id}`)).status).toBe(404);
    expect((await as(otherKey).get(`/webhooks/${id}/deliveries`)).status).toBe(404);
    expect((await as(otherKey).get('/webhooks')).body).toEqual([]);
    expect((await as(t.adminKey).get('/webhooks')).body.map((w) => w.id)).toContain(id);

    const patched = await as(clientKey).patch(`/webhooks/${id}`, {
      body: {
        events: ['prediction.updated'],
        symbols: null,
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      events: ['prediction.updated'],
      symbols: null,
      description: 'bot',
    });
    expect((await as(clientKey).delete(`/webhooks/${id}`)).status).toBe(204);
    expect((await as(clientKey).get(`/webhooks/${id}`)).status).toBe(404);
  });

  it('refuses bad subscriptions with a 400 naming the field, private addresses included', async () => {
    const bad = async (body: object) => {
      const response = await as(clientKey).post('/webhooks', {
        body: {
          events: ['signal.created'],
          ...body,
        },
      });
      expect(response.status).toBe(400);
      return response.errorBody;
    };
    expect((await bad({ url: 'ftp://example.com/x' })).message).toContain(
      'url must use http or https',
    );
    expect((await bad({ url: 'not a url' })).message).toContain('url must be an absolute');
    for (const url of [
      'http://10.1.2.3/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:8080/hook',
      'http://192.168.0.10/hook',
      'http://0.0.0.0/hook',
      'http://[::ffff:10.0.0.1]/hook',
      'http://224.0.0.1/hook',
    ]) {
      const body = await bad({ url });
      expect(body.details).toEqual([expect.objectContaining({ field: 'url' })]);
      expect(body.message).toMatch(/private or internal address/);
    }
    expect((await bad({ url: `${receiver.url}/x`, events: ['candle.eaten'] })).message).toContain(
      'events',
    );
    expect((await bad({ url: `${receiver.url}/x`, symbols: ['DOGE'] })).message).toContain(
      'symbols contains unknown symbol DOGE',
    );
    expect((await bad({ url: `${receiver.url}/x`, strategies: ['not-a-uuid'] })).message).toContain(
      'strategies',
    );
    expect(
      (
        await bad({
          url: `${receiver.url}/x`,
          strategies: ['00000000-0000-4000-8000-000000000000'],
        })
      ).message,
    ).toContain('unknown strategy');
    expect((await as(clientKey).get('/webhooks/..%2F..%2Fetc')).status).toBe(400);

    // An update may leave url and events out, but not set them to null.
    const created = await as(clientKey).post('/webhooks', {
      body: {
        url: `${receiver.url}/patch-me`,
        events: ['signal.created'],
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    for (const field of ['url', 'events']) {
      const response = await as(clientKey).patch(`/webhooks/${id}`, { body: { [field]: null } });
      expect(response.status).toBe(400);
      const details = fieldProblems(response.errorBody);
      expect(details.length).toBeGreaterThan(0);
      expect(details.every((detail) => detail.field === field)).toBe(true);
    }
    const unchanged = await as(clientKey).get(`/webhooks/${id}`);
    expect(unchanged.body).toMatchObject({
      url: `${receiver.url}/patch-me`,
      events: ['signal.created'],
    });
    expect((await as(clientKey).delete(`/webhooks/${id}`, { rawBody: {} })).status).toBe(204);
  });

  it('delivers every signal signed so that a standardwebhooks receiver verifies it, with the attempt log', async () => {
    const { id } = await subscribe(clientKey, '/signals');
    const test = await as(clientKey).post(`/webhooks/${id}/test`);
    expect(test.status).toBe(202);
    expect(test.body.type).toBe('webhook.test');
    const candles = [await closeNextCandle(), await closeNextCandle(), await closeNextCandle()];
    await receiver.until(() => receiver.uniqueDelivered('/signals').size >= 4);
    const got = [...receiver.uniqueDelivered('/signals').values()];
    expect(got.every((hook) => hook.verified)).toBe(true);
    expect(got.every((hook) => hook.headers['content-type'] === 'application/json')).toBe(true);
    const bodies = got.map(
      (hook) =>
        JSON.parse(hook.body) as { type: string; timestamp: string; data: Record<string, unknown> },
    );
    expect(bodies.map((b) => b.type).sort()).toEqual([
      'signal.created',
      'signal.created',
      'signal.created',
      'webhook.test',
    ]);
    const signals = bodies.filter((b) => b.type === 'signal.created');
    expect(signals.map((b) => Date.parse(b.data.openTime as string)).sort()).toEqual(
      candles.map((c) => c.openTime),
    );
    expect(signals[0]!.data).toMatchObject({
      symbol: 'BTC',
      pair: 'BTCUSDT',
      interval: '1h',
      strategyName: 'default',
    });
    expect(['BUY', 'SELL', 'HOLD']).toContain(signals[0]!.data.action);
    expect(Math.max(...got.map((hook) => Buffer.byteLength(hook.body)))).toBeLessThan(8 * 1024);
    expect(got.find((hook) => hook.body.includes('webhook.test'))!.headers['webhook-id']).toBe(
      test.body.messageId,
    );

    const log = await settledDeliveries(id, 4);
    expect(log).toHaveLength(4);
    expect(
      log.every(
        (d) =>
          d.succeeded && d.statusCode === 204 && d.attempt === 1 && d.messageStatus === 'succeeded',
      ),
    ).toBe(true);
    // The same candle event again (a redelivered pub/sub message) is the same message: no second delivery.
    await as(clientKey).delete(`/webhooks/${id}`);
  });

  it('keeps retrying a receiver that is down, and it receives every message once it is up', async () => {
    const { id } = await subscribe(clientKey, '/flaky');
    let failuresLeft = 5;
    receiver.answerWith(({ path }) => {
      if (path === '/flaky' && failuresLeft > 0) {
        failuresLeft -= 1;
        return { status: 503, headers: { 'retry-after': '0' } };
      }
      return { status: 200 };
    });
    try {
      await closeNextCandle();
      await closeNextCandle();
      await receiver.until(() => receiver.uniqueDelivered('/flaky').size >= 2);
    } finally {
      receiver.answerWith({ status: 204 });
    }
    const all = receiver.received.filter((hook) => hook.path === '/flaky');
    expect(all.length).toBe(7);
    expect(all.every((hook) => hook.verified)).toBe(true);
    // Retries carry the same webhook-id: two messages, each received successfully exactly once.
    expect(new Set(all.map((hook) => hook.headers['webhook-id'])).size).toBe(2);
    const log = await settledDeliveries(id, 2);
    expect(log.filter((d) => !d.succeeded)).toHaveLength(5);
    expect(
      log
        .filter((d) => !d.succeeded)
        .every((d) => d.statusCode === 503 && d.nextAttemptAt !== null),
    ).toBe(true);
    expect(log.filter((d) => d.succeeded)).toHaveLength(2);
    expect(Math.max(...log.map((d) => d.attempt))).toBeGreaterThan(1);
    expect((await as(clientKey).get(`/webhooks/${id}`)).body.enabled).toBe(true);
    await as(clientKey).delete(`/webhooks/${id}`);
  });

  it('disables a subscription whose receiver answers 410 Gone, and its owner sees why', async () => {
    const { id } = await subscribe(clientKey, '/gone');
    receiver.answerWith(({ path }) => (path === '/gone' ? { status: 410 } : { status: 204 }));
    try {
      await closeNextCandle();
      const disabled = await waitFor(async () => {
        const body = (await as(clientKey).get(`/webhooks/${id}`)).body;
        return body.enabled ? undefined : body;
      });
      expect(disabled.disabledReason).toContain('410 Gone');
      expect(receiver.received.filter((hook) => hook.path === '/gone')).toHaveLength(1);
    } finally {
      receiver.answerWith({ status: 204 });
    }
    await as(clientKey).delete(`/webhooks/${id}`);
  });

  it('disables the subscription with the reason once the retries are exhausted; a replay then delivers', async () => {
    const { id } = await subscribe(clientKey, '/down');
    receiver.answerWith(({ path }) => (path === '/down' ? { status: 500 } : { status: 204 }));
    try {
      await closeNextCandle();
      const disabled = await waitFor(
        async () => {
          const body = (await as(clientKey).get(`/webhooks/${id}`)).body;
          return body.enabled ? undefined : body;
        },
        { timeoutMs: 15_000 },
      );
      expect(disabled.disabledReason).toMatch(/failed 4 attempt\(s\).*receiver answered 500/);
    } finally {
      receiver.answerWith({ status: 204 });
    }
    const log = await deliveries(id);
    expect(log.map((d) => d.attempt).sort()).toEqual([1, 2, 3, 4]);
    expect(log.every((d) => !d.succeeded && d.messageStatus === 'failed')).toBe(true);
    expect(log.find((d) => d.attempt === 4)!.nextAttemptAt).toBeNull();

    // A replay needs the subscription enabled; then the same message goes out again.
    expect(
      (await as(clientKey).post(`/webhooks/${id}/deliveries/${log[0]!.id}/replay`)).status,
    ).toBe(409);
    expect((await as(clientKey).post(`/webhooks/${id}/enable`)).body.enabled).toBe(true);
    const replay = await as(clientKey).post(`/webhooks/${id}/deliveries/${log[0]!.id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body.messageId).toBe(log[0]!.messageId);
    await receiver.until(() => receiver.uniqueDelivered('/down').size === 1);
    expect(receiver.uniqueDelivered('/down').get(log[0]!.messageId)?.verified).toBe(true);
    await waitFor(async () =>
      (await deliveries(id)).some((d) => d.attempt === 5 && d.succeeded) ? true : undefined,
    );
    await as(clientKey).delete(`/webhooks/${id}`);
  });

  it('never lets a hung receiver delay the other subscribers', async () => {
    // The worker runs 4 deliveries at once, at most 2 per endpoint: five messages to a hung
    // endpoint would otherwise take every slot for the 3 s timeout.
    const hung = await subscribe(clientKey, '/hung');
    const fast = await subscribe(otherKey, '/fast');
    receiver.answerWith(({ path }) =>
      path === '/hung' ? { status: 200, hang: true } : { status: 204 },
    );
    try {
      for (let i = 0; i < 5; i++) {
        await closeNextCandle();
      }
      await receiver.until(() => receiver.uniqueDelivered('/fast').size === 5, 10_000);
      const held = receiver.received.filter((hook) => hook.path === '/hung' && hook.answered === 0);
      expect(held.length).toBeGreaterThanOrEqual(1);
      expect(held.length).toBeLessThanOrEqual(2);
      // Every fast delivery arrived before the first hung request even timed out (3 s): none of
      // them waited for a slot the hung endpoint held.
      const firstHeld = Math.min(...held.map((hook) => hook.receivedAt));
      const lastFast = Math.max(
        ...[...receiver.uniqueDelivered('/fast').values()].map((hook) => hook.receivedAt),
      );
      expect(lastFast).toBeLessThan(firstHeld + 3000);
      const timedOut = await waitFor(
        async () =>
          (await deliveries(hung.id)).find((d) => d.error?.includes('no answer within 3000 ms')),
        { timeoutMs: 10_000 },
      );
      expect(timedOut.nextAttemptAt).not.toBeNull();
    } finally {
      receiver.answerWith({ status: 204 });
    }
    await as(clientKey).delete(`/webhooks/${hung.id}`);
    await as(otherKey).delete(`/webhooks/${fast.id}`);
  });

  it('stops delivering to the subscriptions of a revoked key', async () => {
    const key = (
      await as(t.adminKey).post('/admin/api-keys', { body: { name: 'hooks-c', role: 'client' } })
    ).body;
    await subscribe(key.key, '/revoked');
    const control = await subscribe(clientKey, '/control');
    // A message to it is failing and has retries queued when the key is revoked: they stop too.
    receiver.answerWith(({ path }) => (path === '/revoked' ? { status: 500 } : { status: 204 }));
    await closeNextCandle();
    await receiver.until(() => receiver.received.some((hook) => hook.path === '/revoked'));
    expect((await as(t.adminKey).delete(`/admin/api-keys/${key.apiKey.id}`)).status).toBe(200);
    const toRevoked = () => receiver.received.filter((hook) => hook.path === '/revoked').length;
    const attempted = toRevoked();
    // The point is what does not happen: the whole retry schedule passes without new attempts.
    await sleep(1500);
    // At most one attempt already under way when the key was revoked.
    expect(toRevoked()).toBeLessThanOrEqual(attempted + 1);
    receiver.answerWith({ status: 204 });
    const settled = toRevoked();
    // And nothing new for it.
    await closeNextCandle();
    await receiver.until(() => receiver.uniqueDelivered('/control').size === 2);
    // Nothing may arrive for it: give a stray attempt the time it would take, then count.
    await sleep(300);
    expect(toRevoked()).toBe(settled);
    await as(clientKey).delete(`/webhooks/${control.id}`);
  });

  it('offers the same over GraphQL, with errors carrying extensions.code', async () => {
    const gql = async (key: string, query: string, variables: Record<string, unknown> = {}) =>
      (
        await graphql<Record<string, Record<string, unknown> | Record<string, unknown>[] | null>>(
          t,
          { query, variables },
          { key },
        )
      ).body;
    const created = await gql(
      clientKey,
      'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { id secret events enabled } }',
      { input: { url: `${receiver.url}/gql`, events: ['signal.created'] } },
    );
    const webhook = created.data!.createWebhook as { id: string; secret: string; events: string[] };
    expect(webhook.secret).toMatch(/^whsec_/);
    receiver.trust(webhook.secret);
    const tested = await gql(
      clientKey,
      'mutation($id: ID!) { testWebhook(id: $id) { messageId type } }',
      { id: webhook.id },
    );
    expect(tested.data!.testWebhook).toMatchObject({ type: 'webhook.test' });
    await receiver.until(() => receiver.uniqueDelivered('/gql').size === 1);
    await settledDeliveries(webhook.id, 1);
    const log = await gql(
      clientKey,
      'query($id: ID!) { webhookDeliveries(id: $id) { attempt succeeded statusCode } }',
      { id: webhook.id },
    );
    expect(log.data!.webhookDeliveries).toEqual([{ attempt: 1, succeeded: true, statusCode: 204 }]);
    const foreign = await gql(otherKey, 'query($id: ID!) { webhook(id: $id) { id } }', {
      id: webhook.id,
    });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const refused = await gql(
      clientKey,
      'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { id } }',
      { input: { url: 'http://10.0.0.1/x', events: ['signal.created'] } },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(refused.errors?.[0]?.message).toContain('url');
    expect(
      (await gql(clientKey, 'mutation($id: ID!) { deleteWebhook(id: $id) }', { id: webhook.id }))
        .data,
    ).toEqual({ deleteWebhook: true });
  });

  it('delivers prediction.updated to webhooks and to GraphQL subscribers alike', async () => {
    const hook = await as(clientKey).post('/webhooks', {
      body: {
        url: `${receiver.url}/predictions`,
        events: ['prediction.updated'],
        symbols: ['BTC'],
      },
    });
    receiver.trust(hook.body.secret);
    const { socket, messages, subscribe } = await connectGraphQLWs(t.url, {
      authorization: `Bearer ${clientKey}`,
    });
    await subscribe(
      'p',
      'subscription { predictionUpdated(symbol: "BTC") { symbol predictedClose model { versionId } } }',
    );
    // What the live prediction path publishes after a model predicts.
    const prediction: CachedPrediction = {
      exchange: 'binance',
      symbol: 'BTC',
      pair: 'BTCUSDT',
      interval: '1h',
      kind: 'model',
      horizons: [],
      openTime: last.openTime,
      targetTime: last.openTime + HOUR_MS,
      horizon: 1,
      lastClose: last.close,
      predictedClose: last.close * 1.001,
      predictedReturn: 0.001,
      probabilityUp: 0.56,
      modelVersionId: '11111111-2222-4333-8444-555555555555',
      trainedAt: Date.now(),
      testMae: 10,
      testPersistenceMae: 11,
      liveCount: 0,
      liveMae: null,
      livePersistenceMae: null,
      computedAt: Date.now(),
    };
    const publisher = new Redis(REDIS_URL);
    // Published twice (a repeated event): one message, one delivery.
    await publisher.publish(`${prefix}:events:prediction.updated`, JSON.stringify(prediction));
    await publisher.publish(`${prefix}:events:prediction.updated`, JSON.stringify(prediction));
    publisher.disconnect();
    await receiver.until(() => receiver.uniqueDelivered('/predictions').size === 1);
    const next = await waitFor(async () => messages.find((m) => m.type === 'next'));
    socket.close();
    expect(next.payload?.data?.predictionUpdated).toEqual({
      symbol: 'BTC',
      predictedClose: prediction.predictedClose,
      model: { versionId: prediction.modelVersionId },
    });
    const [delivered] = [...receiver.uniqueDelivered('/predictions').values()];
    expect(delivered!.verified).toBe(true);
    expect(JSON.parse(delivered!.body)).toMatchObject({
      type: 'prediction.updated',
      data: {
        symbol: 'BTC',
        predictedClose: prediction.predictedClose,
        model: { versionId: prediction.modelVersionId, beatsPersistence: true },
      },
    });
    // The repeated event must not make a second delivery: give it the time one would take.
    await sleep(300);
    expect(receiver.received.filter((h) => h.path === '/predictions')).toHaveLength(1);
    await as(clientKey).delete(`/webhooks/${hook.body.id}`);
  });

  it('still delivers a signal whose signal.created never reached a worker (the minute sweep)', async () => {
    const { id } = await subscribe(clientKey, '/swept');
    const strategies = (await as(t.adminKey).get('/strategies')).body;
    const strategyId = strategies.find((s) => s.name === 'default')!.id;
    // A signal stored without its event (as if the worker died between the two).
    const openTime = last.openTime + 1000 * HOUR_MS;
    const pg = new Client({ connectionString: database });
    await pg.connect();
    await pg.query(
      `INSERT INTO signals (strategy_id, exchange, symbol, interval, open_time, action, score, confidence, reasons, close)
       VALUES ($1, 'binance', 'BTCUSDT', '1h', to_timestamp($2 / 1000.0), 'BUY', 0.5, 0.5, '[]', 100)`,
      [strategyId, openTime],
    );
    await pg.end();
    const maintenance = new Queue('maintenance', {
      connection: { host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) },
      prefix: `${prefix}:bull`,
    });
    await maintenance.add('sweep-webhooks', {}, { jobId: `sweep-webhooks.test-${Date.now()}` });
    await maintenance.close();
    await receiver.until(() =>
      [...receiver.uniqueDelivered('/swept').values()].some(
        (hook) =>
          Date.parse((JSON.parse(hook.body) as { data: { openTime: string } }).data.openTime) ===
          openTime,
      ),
    );
    const log = await waitFor(async () => {
      const attempts = await deliveries(id);
      return attempts.length ? attempts : undefined;
    });
    expect(log).toEqual([
      expect.objectContaining({ eventType: 'signal.created', succeeded: true }),
    ]);
    await as(clientKey).delete(`/webhooks/${id}`);
  });

  it('signs with both the new and the old secret after a rotation', async () => {
    const { id, secret: oldSecret } = await subscribe(clientKey, '/rotate');
    const rotated = await as(clientKey).post(`/webhooks/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.secret;
    expect(newSecret).not.toBe(oldSecret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt!) - Date.now()).toBeGreaterThan(
      23 * HOUR_MS,
    );
    // The same request again at once, as a client whose answer was lost would send it: the
    // secret receivers hold (the old one) must keep signing; the lost one is replaced.
    const retried = await as(clientKey).post(`/webhooks/${id}/rotate-secret`);
    expect(retried.status).toBe(200);
    const retriedSecret = retried.body.secret;
    expect(retried.body.previousSecretExpiresAt).toBe(rotated.body.previousSecretExpiresAt);
    receiver.forget(oldSecret);
    await as(clientKey).post(`/webhooks/${id}/test`);
    await receiver.until(() => receiver.uniqueDelivered('/rotate').size === 1);
    const [hook] = [...receiver.uniqueDelivered('/rotate').values()];
    expect(hook!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(retriedSecret).verify(hook!.body, hook!.headers)).not.toThrow();
    expect(() => new Webhook(oldSecret).verify(hook!.body, hook!.headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(hook!.body, hook!.headers)).toThrow();
    await as(clientKey).delete(`/webhooks/${id}`);
  });

  it('loses nothing when the worker is killed in the middle of a delivery', async () => {
    const { id } = await subscribe(clientKey, '/slow');
    receiver.answerWith(({ path }) =>
      path === '/slow' ? { status: 200, hang: true } : { status: 204 },
    );
    await closeNextCandle();
    await receiver.until((received) => received.some((hook) => hook.path === '/slow'));
    const messageId = receiver.received.find((hook) => hook.path === '/slow')!.headers[
      'webhook-id'
    ]!;
    await stopWorker('SIGKILL');
    receiver.answerWith({ status: 204 });
    startWorker();
    await receiver.until(() => receiver.uniqueDelivered('/slow').has(messageId), 45_000);
    expect(receiver.uniqueDelivered('/slow').get(messageId)!.verified).toBe(true);
    const log = await waitFor(async () => {
      const attempts = await deliveries(id);
      return attempts.some((d) => d.succeeded) ? attempts : undefined;
    });
    expect(log.filter((d) => d.succeeded).map((d) => d.messageId)).toEqual([messageId]);
    await waitForStream();
    await as(clientKey).delete(`/webhooks/${id}`);
  }, 90_000);

  it('streams signals and closed candles produced by the worker process to GraphQL subscriptions on the api', async () => {
    const wsUrl = `${t.url.replace(/^http/, 'ws')}/graphql`;
    const refused = new WebSocket(wsUrl, 'graphql-transport-ws');
    const refusedClose = new Promise<number>((resolve) =>
      refused.on('close', (code) => resolve(code)),
    );
    refused.on('open', () =>
      refused.send(
        JSON.stringify({
          type: 'connection_init',
          payload: { 'x-api-key': 'wrong-key-0123456789abcdefghij' },
        }),
      ),
    );
    expect(await refusedClose).not.toBe(1000);

    const { socket, messages, subscribe } = await connectGraphQLWs(t.url, {
      'x-api-key': clientKey,
    });
    await subscribe(
      '1',
      'subscription { signalCreated(symbol: "BTC") { symbol strategyName action openTime } }',
    );
    await subscribe(
      '2',
      'subscription { candleClosed(symbol: "BTC", interval: "1h") { symbol interval candle { openTime close } } }',
    );
    const candle = await closeNextCandle();
    const next = await waitFor(
      async () => messages.find((m) => m.type === 'next' && m.id === '1'),
      { timeoutMs: 15_000 },
    );
    const closed = await waitFor(async () =>
      messages.find((m) => m.type === 'next' && m.id === '2'),
    );
    socket.close();
    expect(next.payload?.data?.signalCreated).toMatchObject({
      symbol: 'BTC',
      strategyName: 'default',
      openTime: new Date(candle.openTime).toISOString(),
    });
    expect(closed.payload?.data?.candleClosed).toEqual({
      symbol: 'BTC',
      interval: '1h',
      candle: { openTime: new Date(candle.openTime).toISOString(), close: candle.close },
    });
  });
});
