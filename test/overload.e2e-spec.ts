import { join } from 'node:path';
import { Client } from 'pg';
import request from 'supertest';
import { CandleWriter } from '../src/market-data/candle-writer.service';
import { readCandleCsv } from '../src/simulator/candle-series';
import { api, createClientKey, type Api } from './support/api';
import { databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const CANDLES = readCandleCsv(
  join(__dirname, 'fixtures', 'klines', 'BTCUSDT-1h-2022-08-20_2022-09-30.csv'),
);
const MARKET = { exchange: 'binance', symbol: 'BTCUSDT', interval: '1h' };
const MAX_DELAY_MS = 100;
const HEAVY_PER_KEY = 2;

/**
 * Blocks the event loop of this process (the app runs in it) in busy chunks of `chunkMs`, yielding
 * between them with setImmediate so that requests are still read and answered, each loop turn
 * about `chunkMs` late: what a process too busy to keep up looks like from its event loop.
 */
function blockEventLoop(chunkMs: number): () => void {
  let running = true;
  const spin = () => {
    if (!running) {
      return;
    }
    const until = performance.now() + chunkMs;
    while (performance.now() < until) {
      // busy
    }
    setImmediate(spin);
  };
  setImmediate(spin);
  return () => {
    running = false;
  };
}

describe('overload: load shedding while the event loop is late', () => {
  let t: TestApp;
  const env = {
    REDIS_PREFIX: scratchName('overload'),
    OVERLOAD_EVENT_LOOP_DELAY_MS: String(MAX_DELAY_MS),
  };
  let http: Api;

  beforeAll(async () => {
    t = await startTestApp({ env });
    http = api(t, { key: t.adminKey });
    // Start-up is over: the loop is calm again.
    await waitFor(async () => ((await http.get('/indicators')).status === 200 ? true : undefined), {
      what: 'a calm event loop after start-up',
    });
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it('answers 503 OVERLOADED with Retry-After while the event loop is late, and /health and /metrics 200', async () => {
    const stop = blockEventLoop(2 * MAX_DELAY_MS);
    try {
      const shed = await waitFor(
        async () => {
          const response = await http.get('/indicators');
          return response.status === 503 ? response : undefined;
        },
        { what: 'a shed request', timeoutMs: 10_000, intervalMs: 0 },
      );
      expect(shed.headers['retry-after']).toBe('1');
      expect(shed.errorBody).toMatchObject({ statusCode: 503, code: 'OVERLOADED' });
      expect(shed.errorBody.message).toMatch(/OVERLOAD_EVENT_LOOP_DELAY_MS/);
      expect(shed.errorBody.requestId).toBe(shed.headers['x-request-id']);
      // Still shedding (the loop is still blocked), but the probes and the dashboard answer.
      expect((await http.get('/indicators')).status).toBe(503);
      const health = await http.get('/health', { key: null });
      expect(health.status).toBe(200);
      expect(health.body.status).toBe('ok');
      expect((await http.get('/health/ready', { key: null })).status).not.toBe(503);
      const metrics = await http.get('/metrics', { key: null });
      expect(metrics.status).toBe(200);
      const shedCount = /^http_requests_shed_total (\d+)/m.exec(metrics.text);
      expect(Number(shedCount?.[1])).toBeGreaterThanOrEqual(2);
      const delay = /^overload_event_loop_delay_seconds ([\d.e-]+)/m.exec(metrics.text);
      expect(Number(delay?.[1])).toBeGreaterThan(MAX_DELAY_MS / 1000);
      // Plain supertest: the dashboard page `/` is not in the REST contract.
      expect((await request(t.url).get('/')).status).not.toBe(503);
    } finally {
      stop();
    }
    // Served again once the loop is on time.
    const served = await waitFor(
      async () => {
        const response = await http.get('/indicators');
        return response.status === 200 ? response : undefined;
      },
      { what: 'requests served again after the load', timeoutMs: 5000 },
    );
    expect(served.headers['retry-after']).toBeUndefined();
  });
});

describe('overload: per-key limits on heavy requests', () => {
  let t: TestApp;
  // Shedding at its default: a burst of heavy requests is the per-key limit's to stop.
  const env = {
    DATABASE_URL: databaseUrl(scratchName('heavy')),
    REDIS_PREFIX: scratchName('heavy'),
    SYMBOLS: 'BTC',
    INTERVALS: '1h',
    MODEL_INTERVALS: '1h',
    EXCHANGE: 'binance',
    HEAVY_REQUESTS_PER_KEY: String(HEAVY_PER_KEY),
  };
  let http: Api;

  beforeAll(async () => {
    t = await startTestApp({ worker: true, env });
    http = api(t, { key: t.adminKey });
    // Written as the ingest writes (candles.written announced): the worker publishes the
    // baseline forecast of the new candles within a second.
    await t.app.get(CandleWriter).upsert(MARKET, CANDLES);
    await waitFor(
      async () => ((await http.get('/predict/BTC')).status === 200 ? true : undefined),
      {
        what: 'the baseline forecast',
        timeoutMs: 20_000,
      },
    );
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 to a key over HEAVY_REQUESTS_PER_KEY heavy requests while other keys and /predict get 200', async () => {
    const busyKey = await createClientKey(http, 'heavy-busy');
    const otherKey = await createClientKey(http, 'heavy-other');
    // A long range read from the database (a `from`). The candles table is locked meanwhile, so
    // every heavy read waits in PostgreSQL and the ones sent together are in flight together,
    // however fast the machine: the one over the limit is refused before it reaches the table.
    const from = new Date(CANDLES[300]!.openTime).toISOString();
    const heavy = (key: string) =>
      http.get(`/indicators/BTC?interval=1h&from=${from}&limit=1000`, { key });
    const predict = (key: string) => http.get('/predict/BTC', { key });
    type IndicatorsAnswer = Awaited<ReturnType<typeof heavy>>;
    type PredictAnswer = Awaited<ReturnType<typeof predict>>;
    const lock = new Client({ connectionString: env.DATABASE_URL });
    await lock.connect();
    let busy: IndicatorsAnswer[];
    let rest: [IndicatorsAnswer, IndicatorsAnswer, PredictAnswer, PredictAnswer];
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE candles IN ACCESS EXCLUSIVE MODE');
      // Each call sends its request at once (the client awaits supertest inside).
      const busyCalls = Array.from({ length: HEAVY_PER_KEY + 1 }, () => heavy(busyKey));
      const restCalls: Promise<typeof rest> = Promise.all([
        heavy(otherKey),
        // A short range is not heavy: it is served whatever the key has in flight.
        http.get('/indicators/BTC?interval=1h&limit=50', { key: busyKey }),
        predict(busyKey),
        predict(otherKey),
      ]);
      // The first answer, while the table is still locked, is the refusal.
      const first = await Promise.race(busyCalls);
      expect(first.status).toBe(429);
      await lock.query('COMMIT');
      [busy, rest] = await Promise.all([Promise.all(busyCalls), restCalls]);
    } finally {
      await lock.end();
    }
    const [other, small, predictBusy, predictOther] = rest;
    const statuses = busy.map((response) => response.status).sort();
    expect(statuses).toContain(429);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((status) => status === 200 || status === 429)).toBe(true);
    const refused = busy.find((response) => response.status === 429)!;
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.errorBody).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(refused.errorBody.message).toContain(`HEAVY_REQUESTS_PER_KEY=${HEAVY_PER_KEY}`);
    expect(other.status).toBe(200);
    expect(other.body.openTimes).toHaveLength(700);
    expect(small.status).toBe(200);
    expect(predictBusy.status).toBe(200);
    expect(predictOther.status).toBe(200);
    // The count is given back when a request finishes: the key may run heavy requests again.
    const again = await Promise.all(Array.from({ length: HEAVY_PER_KEY }, () => heavy(busyKey)));
    expect(again.map((response) => response.status)).toEqual(
      Array.from({ length: HEAVY_PER_KEY }, () => 200),
    );
  });
  it('counts heavy GraphQL fields with heavy REST calls of the same key: RATE_LIMITED with Retry-After', async () => {
    const key = await createClientKey(http, 'heavy-graphql');
    const from = new Date(CANDLES[300]!.openTime).toISOString();
    const heavyQuery = (limit: number) =>
      request(t.url)
        .post('/graphql')
        .set('x-api-key', key)
        .send({
          query: `{ indicators(symbol: "BTC", interval: "1h", from: "${from}", limit: ${limit}) { openTimes } }`,
        });
    const heavyRest = () =>
      http.get(`/indicators/BTC?interval=1h&from=${from}&limit=1000`, { key });
    const lock = new Client({ connectionString: env.DATABASE_URL });
    await lock.connect();
    let rest: Awaited<ReturnType<typeof heavyRest>>;
    let graphql: request.Response[];
    let small: request.Response;
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE candles IN ACCESS EXCLUSIVE MODE');
      // A heavy REST read waiting for the table, then two heavy GraphQL reads: the second of
      // them is the key's third heavy request in flight.
      const restCall = heavyRest();
      await waitFor(
        async () => {
          const waiting = await lock.query<{ count: string }>(
            `SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'candles'::regclass`,
          );
          return Number(waiting.rows[0]?.count) >= 1 ? true : undefined;
        },
        { what: 'the REST read waiting for the candles table' },
      );
      const graphqlCalls = [heavyQuery(1000).then(), heavyQuery(1000).then()];
      // A short range is not heavy, over GraphQL as over REST: it waits for the table like the rest.
      const smallCall = heavyQuery(50).then();
      const first = await Promise.race(graphqlCalls);
      expect(first.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      await lock.query('COMMIT');
      [rest, graphql, small] = await Promise.all([restCall, Promise.all(graphqlCalls), smallCall]);
    } finally {
      await lock.end();
    }
    expect(rest.status).toBe(200);
    const refused = graphql.filter((response) => response.body.errors);
    expect(refused).toHaveLength(1);
    expect(refused[0]!.headers['retry-after']).toBe('1');
    expect(refused[0]!.body.errors[0].message).toContain(`HEAVY_REQUESTS_PER_KEY=${HEAVY_PER_KEY}`);
    const served = graphql.find((response) => !response.body.errors)!;
    expect(served.body.data.indicators.openTimes).toHaveLength(700);
    expect(small.body.errors).toBeUndefined();
    expect(small.body.data.indicators.openTimes).toHaveLength(50);
  });
});
