import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import request from 'supertest';
import { MAX_JSON_DEPTH } from '../src/common/json-body';
import type { CachedPrediction } from '../src/models/live/prediction.cache';
import { PredictionCache } from '../src/models/live/prediction.cache';
import { RedisService } from '../src/redis/redis.service';
import { WebhookReceiver } from '../src/simulator/webhook-receiver';
import { WebhookFanoutService } from '../src/webhooks/delivery/webhook-fanout.service';
import { SweepWebhooksProcessor } from '../src/webhooks/jobs/sweep-webhooks.processor';
import { messageIdOf, predictionWebhookEvent } from '../src/webhooks/webhook-events';
import { eventually, startTestApp, type TestApp } from './support/test-app';
import { databaseUrl, scratchName } from './support/test-env';

const HOUR_MS = 3_600_000;

interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  requestId?: string;
}

interface GraphQLBody {
  data?: unknown;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

const TOO_DEEP = `The request body is nested too deep: JSON objects and arrays may nest at most ${MAX_JSON_DEPTH} levels`;

/** `{"a":{"a":...1...}}` with `depth` levels of objects. */
function nestedObject(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Faults a hostile or unlucky client can cause, each answered as the service's own error. */
describe('hardening found by fault tests', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('JSON nesting depth', () => {
    const post = (path: string, body: string) =>
      request(t.url)
        .post(path)
        .set('x-api-key', t.adminKey)
        .set('content-type', 'application/json')
        .send(body);

    it('refuses a body nested deeper than the limit with a 400 that says so, REST and GraphQL alike', async () => {
      for (const depth of [MAX_JSON_DEPTH + 1, 3_000, 100_000]) {
        const rest = await post('/admin/api-keys', nestedObject(depth));
        expect({ depth, status: rest.status }).toEqual({ depth, status: 400 });
        const body = rest.body as ErrorBody;
        expect(body.code).toBe('BAD_REQUEST');
        expect(body.message).toBe(TOO_DEEP);
        expect(body.requestId).toBe(rest.headers['x-request-id']);

        const graphql = await post(
          '/graphql',
          `{"query":"{ me { name } }","variables":${nestedObject(depth)}}`,
        );
        expect({ depth, status: graphql.status }).toEqual({ depth, status: 400 });
        expect((graphql.body as GraphQLBody).errors).toEqual([
          {
            message: TOO_DEEP,
            extensions: {
              code: 'BAD_REQUEST',
              statusCode: 400,
              requestId: graphql.headers['x-request-id'],
            },
          },
        ]);
      }
      // Arrays count as well as objects.
      const arrays = await post('/admin/api-keys', '['.repeat(5_000) + ']'.repeat(5_000));
      expect(arrays.status).toBe(400);
      expect((arrays.body as ErrorBody).message).toBe(TOO_DEEP);
    });

    it('refuses a 1 MB body of 170,000 levels without holding the event loop', async () => {
      const body = '['.repeat(170_000) + ']'.repeat(170_000) + ' '.repeat(1024 * 1024 - 340_001);
      const started = performance.now();
      const [deep, health] = await Promise.all([
        post('/admin/api-keys', body),
        request(t.url).get('/health'),
      ]);
      expect(deep.status).toBe(400);
      expect((deep.body as ErrorBody).message).toBe(TOO_DEEP);
      expect(health.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(2_000);
    });

    it('parses bodies within the limit, brackets inside strings not counted', async () => {
      // At the limit the body is parsed and reaches validation (a 400 about its fields).
      const atLimit = await post('/admin/api-keys', nestedObject(MAX_JSON_DEPTH));
      expect(atLimit.status).toBe(400);
      expect((atLimit.body as ErrorBody).code).toBe('VALIDATION_FAILED');

      const variables = { note: `\\" ${'[{'.repeat(2_000)} \\` };
      const graphql = await post(
        '/graphql',
        JSON.stringify({ query: '{ me { name } }', variables }),
      );
      expect(graphql.status).toBe(200);
      expect(graphql.body).toEqual({ data: { me: { name: expect.any(String) as string } } });
    });
  });

  describe('GraphQL error codes', () => {
    const graphql = (body: string | object, key: string | null = t.adminKey) => {
      const call = request(t.url).post('/graphql').set('content-type', 'application/json');
      return (key ? call.set('x-api-key', key) : call).send(
        typeof body === 'string' ? body : JSON.stringify(body),
      );
    };
    const codesOf = (body: unknown) =>
      ((body as GraphQLBody).errors ?? []).map((error) => error.extensions?.code);

    it('codes syntax errors, unknown fields, the root-field and depth limits as 400 BAD_REQUEST', async () => {
      const deep = `{ __schema { types { fields { type ${'{ ofType '.repeat(30)}{ name }${' }'.repeat(30)} } } } }`;
      const roots = `{ ${Array.from({ length: 21 }, (_, i) => `a${i}: me { name }`).join(' ')} }`;
      const cases = [
        { query: '{', message: /Syntax Error/ },
        { query: '{ me { nope } }', message: /Cannot query field "nope"/ },
        { query: roots, message: /at most 20 root fields/ },
        {
          query: deep,
          message: /introspection depth \(35\) exceeds the introspection depth limit of 30/,
        },
      ];
      for (const { query, message } of cases) {
        const response = await graphql({ query });
        expect({ query, status: response.status }).toEqual({ query, status: 400 });
        const [error] = (response.body as GraphQLBody).errors ?? [];
        expect(error?.message).toMatch(message);
        expect(error?.extensions).toEqual({
          code: 'BAD_REQUEST',
          statusCode: 400,
          requestId: response.headers['x-request-id'],
        });
      }
    });

    it('codes bad JSON, a body too large and an unsupported variables value', async () => {
      const badJson = await graphql('{"query": "{ me { name } }"');
      expect(badJson.status).toBe(400);
      expect(codesOf(badJson.body)).toEqual(['BAD_REQUEST']);

      const tooLarge = await graphql({
        query: '{ me { name } }',
        variables: { pad: 'x'.repeat(1024 * 1024) },
      });
      expect(tooLarge.status).toBe(413);
      expect(codesOf(tooLarge.body)).toEqual(['PAYLOAD_TOO_LARGE']);
      expect((tooLarge.body as GraphQLBody).errors?.[0]?.message).toBe(
        'body is larger than the accepted limit',
      );

      const badVariable = await graphql({
        query: 'query($id: ID!) { job(id: $id) { id } }',
        variables: { id: { nested: 1 } },
      });
      expect(codesOf(badVariable.body)).toEqual(['BAD_REQUEST']);
    });

    it('codes the errors of resolvers as before', async () => {
      const anonymous = await graphql({ query: '{ me { name } }' }, null);
      expect(anonymous.status).toBe(200);
      expect(codesOf(anonymous.body)).toEqual(['UNAUTHENTICATED']);
    });

    it('codes the rate limit as 429 RATE_LIMITED with Retry-After', async () => {
      const limited = await startTestApp({
        env: {
          RATE_LIMIT_ANONYMOUS_MAX: '1',
          RATE_LIMIT_WINDOW_MS: '60000',
          REDIS_PREFIX: `hardening_rl_${Date.now()}`,
        },
      });
      try {
        const call = () => request(limited.url).post('/graphql').send({ query: '{ me { name } }' });
        expect((await call()).status).toBe(200);
        const refused = await call();
        expect(refused.status).toBe(429);
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
        const [error] = (refused.body as GraphQLBody).errors ?? [];
        expect(error?.message).toMatch(/Rate limit of 1 requests per 60 s exceeded/);
        expect(error?.extensions).toEqual({
          code: 'RATE_LIMITED',
          statusCode: 429,
          requestId: refused.headers['x-request-id'],
        });
      } finally {
        await limited.close();
      }
    });
  });

  describe('stream status during a takeover', () => {
    interface LiveState {
      connected: boolean;
      status: string;
      owner: string | null;
      leaseAgeMs: number | null;
    }

    it('shows the lease age and marks the stream unknown once the owner missed a renewal', async () => {
      const own = await startTestApp({
        env: { REDIS_PREFIX: scratchName('stream'), STREAM_LEASE_MS: '10000' },
      });
      const redis = own.app.get(RedisService).client;
      const leaseKey = own.config.redisKey('market-data', 'stream-owner');
      const stateKey = own.config.redisKey('market-data', 'stream-state');
      const live = async (): Promise<LiveState[]> => {
        const rest = await request(own.url).get('/markets').set('x-api-key', own.adminKey);
        expect(rest.status).toBe(200);
        const graphql = await request(own.url)
          .post('/graphql')
          .set('x-api-key', own.adminKey)
          .send({ query: '{ markets { live { connected status owner leaseAgeMs } } }' });
        const viaGraphql = (graphql.body as { data: { markets: { live: LiveState }[] } }).data
          .markets;
        const viaRest = (rest.body as { live: LiveState }[]).map((market) => market.live);
        expect(viaGraphql.map((market) => market.live.status)).toEqual(
          viaRest.map((market) => market.status),
        );
        return viaRest;
      };
      try {
        // Nobody owns the stream.
        expect((await live())[0]).toEqual(
          expect.objectContaining({
            connected: false,
            status: 'disconnected',
            owner: null,
            leaseAgeMs: null,
          }),
        );

        // A worker holds a fresh lease and reports its websocket connected.
        await redis.hset(stateKey, {
          owner: 'worker-a',
          connected: '1',
          since: String(Date.now()),
        });
        await redis.set(leaseKey, 'worker-a', 'PX', 10_000);
        const fresh = await live();
        expect(fresh.every((market) => market.status === 'connected' && market.connected)).toBe(
          true,
        );
        expect(fresh[0]!.owner).toBe('worker-a');
        expect(fresh[0]!.leaseAgeMs).toBeGreaterThanOrEqual(0);
        expect(fresh[0]!.leaseAgeMs).toBeLessThan(1_000);

        // Its last renewal was 6 s ago (it renews every 3.3 s): it died or stalled. Its report of
        // a connected websocket is still in Redis, but the stream is no longer shown connected.
        await redis.set(leaseKey, 'worker-a', 'PX', 4_000);
        const missed = await live();
        expect(missed.every((market) => market.status === 'unknown' && !market.connected)).toBe(
          true,
        );
        expect(missed[0]!.owner).toBe('worker-a');
        expect(missed[0]!.leaseAgeMs).toBeGreaterThanOrEqual(6_000);
        expect(missed[0]!.leaseAgeMs).toBeLessThan(7_000);

        // A survivor took the lease and is still connecting: the dead worker's report is not its own.
        await redis.set(leaseKey, 'worker-b', 'PX', 10_000);
        const takenOver = await live();
        expect(takenOver[0]).toEqual(
          expect.objectContaining({ connected: false, status: 'disconnected', owner: 'worker-b' }),
        );

        await redis.hset(stateKey, {
          owner: 'worker-b',
          connected: '1',
          since: String(Date.now()),
        });
        expect((await live())[0]).toEqual(
          expect.objectContaining({ connected: true, status: 'connected', owner: 'worker-b' }),
        );
      } finally {
        await redis.del(leaseKey, stateKey);
        await own.close();
      }
    });
  });

  describe('webhook sweep', () => {
    it('re-sends every event type lost between storing and publishing, with the live message ids, once', async () => {
      const receiver = await WebhookReceiver.start();
      const sweepApp = await startTestApp({
        worker: true,
        env: {
          DATABASE_URL: databaseUrl(scratchName('sweep')),
          REDIS_PREFIX: scratchName('sweep'),
          SYMBOLS: 'BTC',
          INTERVALS: '1h',
          EXCHANGE: 'binance',
          WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
          SECRET_KEY: 'sweep-test-secret-key-0123456789abcdef',
        },
      });
      const pg = new Client({ connectionString: sweepApp.config.get('DATABASE_URL') });
      await pg.connect();
      const admin = (method: 'get' | 'post', path: string, body?: object) =>
        request(sweepApp.url)[method](path).set('x-api-key', sweepApp.adminKey).send(body);
      try {
        const hook = await admin('post', '/webhooks', {
          url: `${receiver.url}/all`,
          events: ['signal.created', 'prediction.updated', 'paper.trade'],
        });
        expect(hook.status).toBe(201);
        receiver.trust(hook.body.secret as string);
        const sweep = sweepApp.app.get(SweepWebhooksProcessor);
        // Nothing happened yet: nothing to recover.
        expect(await sweep.process()).toEqual({ requeued: 0, recovered: 0 });

        // A forecast written to the prediction cache whose publish never went out.
        const openTime = Date.UTC(2026, 0, 1, 10);
        const market = { exchange: 'binance', symbol: 'BTCUSDT', interval: '1h' };
        const horizon = {
          horizon: 1,
          targetTime: openTime + 2 * HOUR_MS,
          predictedReturn: 0.001,
          predictedClose: 100.1,
          median: 0.001,
          lower: -0.01,
          upper: 0.012,
          lowerClose: 99,
          upperClose: 101.2,
          volatility: 0.01,
          probabilityUp: 0.55,
          shrinkage: null,
          test: null,
        };
        const cached: CachedPrediction = {
          exchange: 'binance',
          symbol: 'BTC',
          pair: 'BTCUSDT',
          interval: '1h',
          kind: 'baseline',
          openTime,
          targetTime: horizon.targetTime,
          horizon: 1,
          lastClose: 100,
          predictedClose: 100.1,
          predictedReturn: 0.001,
          probabilityUp: 0.55,
          horizons: [horizon],
          modelVersionId: null,
          trainedAt: null,
          testMae: null,
          testPersistenceMae: null,
          liveCount: 0,
          liveMae: null,
          livePersistenceMae: null,
          computedAt: Date.now(),
        };
        await sweepApp.app.get(PredictionCache).write(market, cached);

        // A paper sell committed by the trader whose paper.trade was never published.
        const account = await admin('post', '/admin/paper-accounts', {
          name: 'swept',
          strategy: 'default',
          markets: ['BTC'],
          startingCash: 1000,
        });
        expect(account.status).toBe(201);
        const accountId = account.body.id as string;
        const orderId = randomUUID();
        const fillTime = openTime + HOUR_MS;
        await pg.query(
          `INSERT INTO paper_orders (id, account_id, symbol, side, reason, decision_time, fill_time, status)
           VALUES ($1, $2, 'BTCUSDT', 'SELL', 'signal', to_timestamp($3 / 1000.0), to_timestamp($4 / 1000.0), 'filled')`,
          [orderId, accountId, openTime, fillTime],
        );
        await pg.query(
          `INSERT INTO paper_fills (order_id, account_id, symbol, time, price, quantity, fee)
           VALUES ($1, $2, 'BTCUSDT', to_timestamp($3 / 1000.0), 101, 2, 0.2)`,
          [orderId, accountId, fillTime],
        );
        await pg.query(
          `INSERT INTO paper_trades (account_id, symbol, entry_time, exit_time, entry_price, exit_price, quantity,
             fees, profit, return_pct, exit_reason)
           VALUES ($1, 'BTCUSDT', to_timestamp($2 / 1000.0), to_timestamp($3 / 1000.0), 100, 101, 2, 0.4, 1.6, 0.008, 'signal')`,
          [accountId, openTime - 5 * HOUR_MS, fillTime],
        );

        // The sweep reads the prediction cache through its in-process mirror, checked against Redis
        // at most once a second: the forecast is recovered by the second or third sweep at most.
        let recovered = 0;
        await eventually(
          async () => {
            recovered += (await sweep.process()).recovered;
            return recovered >= 2 ? recovered : undefined;
          },
          { intervalMs: 1_100, what: 'the sweep to recover both events' },
        );
        expect(recovered).toBe(2);
        await receiver.until(() => receiver.uniqueDelivered('/all').size === 2);
        const delivered = [...receiver.uniqueDelivered('/all').values()];
        expect(delivered.every((received) => received.verified)).toBe(true);
        const byType = new Map(
          delivered.map((received) => [
            (JSON.parse(received.body) as { type: string }).type,
            received,
          ]),
        );
        // The message ids the live fan-out gives these events (src/webhooks/webhook-events.ts).
        const prediction = byType.get('prediction.updated')!;
        expect(prediction.headers['webhook-id']).toBe(
          messageIdOf('prediction.updated', 'baseline', 'binance', 'BTCUSDT', '1h', openTime),
        );
        expect(JSON.parse(prediction.body)).toMatchObject({
          data: { symbol: 'BTC', interval: '1h', predictedClose: 100.1 },
        });
        const trade = byType.get('paper.trade')!;
        expect(trade.headers['webhook-id']).toBe(messageIdOf('paper.trade', orderId));
        expect(JSON.parse(trade.body)).toMatchObject({
          data: {
            orderId,
            accountId,
            accountName: 'swept',
            symbol: 'BTC',
            pair: 'BTCUSDT',
            side: 'SELL',
            reason: 'signal',
            decisionTime: new Date(openTime).toISOString(),
            fillTime: new Date(fillTime).toISOString(),
            price: 101,
            quantity: 2,
            fee: 0.2,
            trade: { entryPrice: 100, exitPrice: 101, profit: 1.6, exitReason: 'signal' },
          },
        });

        // A second sweep, and the live fan-out of the same events arriving late, add nothing.
        expect(await sweep.process()).toEqual({ requeued: 0, recovered: 0 });
        const fanout = sweepApp.app.get(WebhookFanoutService);
        expect(await fanout.fanOut(predictionWebhookEvent(cached, 48 * HOUR_MS))).toBe(0);
        const messages = await pg.query<{ count: string }>('SELECT count(*) FROM webhook_messages');
        expect(Number(messages.rows[0]!.count)).toBe(2);
      } finally {
        await pg.end();
        await sweepApp.close();
        await receiver.close();
      }
    });
  });
});
