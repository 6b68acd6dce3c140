import { join } from 'node:path';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import type { Candle } from '../src/market-data/candle';
import { JobName } from '../src/queue/queue.catalogue';
import { readCandleCsv } from '../src/simulator/candle-series';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { REDIS_URL, databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { api, jobInState, jobResult, type Api, type Schema } from './support/api';
import { sleep, waitFor } from './support/wait-for';

const CANDLES = readCandleCsv(
  join(__dirname, 'fixtures', 'klines', 'BTCUSDT-1h-2022-08-20_2022-09-30.csv'),
);

type Signal = Schema<'SignalDto'>;

/**
 * Candles that arrive by REST catch-up after a stream outage are decided too: in order, once,
 * published, and marked late with how late.
 */
describe('signals: nothing skipped after a stream outage', () => {
  let sim: ExchangeSimulator;
  let t: TestApp;
  let http: Api;
  let subscriber: Redis;
  const published: { strategyName?: string; strategy?: { name: string }; openTime: number }[] = [];
  const prefix = scratchName('catchup');
  let last = CANDLES[CANDLES.length - 1]!;
  async function signalsOf(name: string): Promise<Signal[]> {
    const body = (
      await http.get('/signals/BTC/history', {
        query: { from: String(CANDLES[0]!.openTime), limit: 1000 },
      })
    ).body;
    return body
      .filter((s) => s.strategyName === name)
      .sort((a, b) => Date.parse(a.openTime) - Date.parse(b.openTime));
  }

  beforeAll(async () => {
    sim = await ExchangeSimulator.start({ speed: 0 });
    sim.load('BTCUSDT', '1h', CANDLES);
    subscriber = new Redis(REDIS_URL);
    await subscriber.subscribe(`${prefix}:events:signal.created`);
    subscriber.on('message', (_channel: string, message: string) =>
      published.push(JSON.parse(message) as (typeof published)[number]),
    );
    t = await startTestApp({
      worker: true,
      env: {
        DATABASE_URL: databaseUrl(scratchName('catchup')),
        REDIS_PREFIX: prefix,
        SYMBOLS: 'BTC',
        INTERVALS: '1h',
        EXCHANGE: 'binance',
        EXCHANGE_REST_URL: sim.restUrl,
        EXCHANGE_WS_URL: sim.wsUrl,
        BACKFILL_FROM: new Date(CANDLES[0]!.openTime).toISOString(),
        LIVE_STREAM: 'true',
        SIGNAL_CATCH_UP_GRACE_MS: '1000',
      },
    });
    http = api(t, { key: t.adminKey });
    await waitFor(
      async () =>
        (await http.get('/markets')).body[0]?.count === CANDLES.length && sim.openConnections === 1
          ? true
          : undefined,
      { what: 'the backfill and the stream', timeoutMs: 30_000 },
    );
  }, 60_000);
  afterAll(async () => {
    subscriber.disconnect();
    await t.close();
    await sim.close();
  });

  it('decides every candle that came by catch-up, in order, once, marked late', async () => {
    const created = await http.post('/admin/strategies', {
      body: {
        name: 'always',
        definition: {
          rules: [{ input: 'rsi', condition: { op: '<', value: 101 }, weight: 1 }],
          thresholds: { buy: 0.5, sell: -0.5 },
        },
      },
    });
    expect(created.status).toBe(201);
    const live: Candle[] = [];
    for (let i = 0; i < 2; i++) {
      last = await sim.closeNext('BTCUSDT', '1h', last, 0.002);
      live.push(last);
      const openTime = last.openTime;
      await waitFor(
        async () =>
          (await signalsOf('always')).some((s) => Date.parse(s.openTime) === openTime)
            ? true
            : undefined,
        { what: 'the live signal' },
      );
    }

    // The stream is down for five candles; they arrive by REST when it comes back.
    sim.refuseStreams(true);
    sim.dropConnections();
    const missed: Candle[] = [];
    for (let i = 0; i < 5; i++) {
      last = await sim.closeNext('BTCUSDT', '1h', last, i % 2 ? -0.003 : 0.004);
      missed.push(last);
    }
    sim.refuseStreams(false);
    const signals = await waitFor(
      async () => {
        const all = await signalsOf('always');
        return all.length === 7 ? all : undefined;
      },
      { what: 'the five missed candles decided', timeoutMs: 40_000 },
    );
    expect(signals.map((s) => Date.parse(s.openTime))).toEqual(
      [...live, ...missed].map((c) => c.openTime),
    );
    expect(signals.slice(0, 2).map((s) => s.lateMs)).toEqual([null, null]);
    for (const [i, signal] of signals.slice(2).entries()) {
      // Late by at least the time since the candle's close (these candles are of 2022).
      expect(signal.lateMs).toBeGreaterThan(Date.now() - missed[i]!.openTime - 7_200_000);
    }
    // Each published once: a duplicate would come later, so the point is an interval without one.
    await sleep(1500);
    for (const candle of missed) {
      expect(
        published.filter((e) => e.strategy?.name === 'always' && e.openTime === candle.openTime),
      ).toHaveLength(1);
    }
  }, 90_000);

  it('forecasts the candles that came by catch-up with the production model, then decides them from those forecasts', async () => {
    const trained = await http.post('/admin/models/train', {
      body: {
        symbol: 'BTC',
        interval: '1h',
        kind: 'linear',
        features: ['rsi', 'logReturn'],
        params: { lookback: 8, l2: 10 },
      },
    });
    expect(trained.status).toBe(202);
    const job = jobResult(
      await jobInState(http, trained.body.jobId, 'completed', {
        what: 'the linear training',
        timeoutMs: 120_000,
      }),
      JobName.TrainModel,
    );
    if (job.status !== 'production') {
      expect(
        (await http.post(`/admin/models/${job.modelVersionId}/promote`, { body: {} })).status,
      ).toBe(200);
    }
    await waitFor(
      async () => ((await http.get('/predict/BTC')).body.kind === 'model' ? true : undefined),
      { what: 'the model serving', timeoutMs: 30_000 },
    );
    const created = await http.post('/admin/strategies', {
      body: {
        name: 'model-led',
        definition: {
          rules: [{ input: 'predictedReturn', condition: { op: '>', value: -1 }, weight: 1 }],
          thresholds: { buy: 0.5, sell: -0.5 },
        },
      },
    });
    expect(created.status).toBe(201);
    // strategies.changed, published before the answer, reaches the workers before the next candle.
    // One candle on the live path: the strategy's first decision, from a live forecast.
    last = await sim.closeNext('BTCUSDT', '1h', last, 0.001);
    const liveOpenTime = last.openTime;
    await waitFor(
      async () =>
        (await signalsOf('model-led')).some((s) => Date.parse(s.openTime) === liveOpenTime)
          ? true
          : undefined,
      { what: 'the live model-led signal' },
    );

    sim.refuseStreams(true);
    sim.dropConnections();
    const missed: Candle[] = [];
    for (let i = 0; i < 4; i++) {
      last = await sim.closeNext('BTCUSDT', '1h', last, i % 2 ? -0.002 : 0.003);
      missed.push(last);
    }
    sim.refuseStreams(false);
    const signals = await waitFor(
      async () => {
        const all = await signalsOf('model-led');
        return all.length === 5 ? all : undefined;
      },
      { what: 'the four missed candles decided', timeoutMs: 40_000 },
    );
    // Every missed candle got its forecast from the production model, stored once...
    const rows: { open_ms: string; n: number }[] = await t.app.get(DataSource).query(
      `SELECT (extract(epoch FROM open_time) * 1000)::bigint AS open_ms, count(*)::int AS n
         FROM predictions WHERE model_version_id = $1 AND open_time >= to_timestamp($2 / 1000.0)
        GROUP BY open_time ORDER BY open_time`,
      [job.modelVersionId, missed[0]!.openTime],
    );
    expect(rows.map((row) => [Number(row.open_ms), row.n])).toEqual(
      missed.map((candle) => [candle.openTime, 1]),
    );
    // ...and its decision read that forecast, marked late.
    for (const [i, signal] of signals.slice(1).entries()) {
      expect(Date.parse(signal.openTime)).toBe(missed[i]!.openTime);
      expect(signal.modelVersionId).toBe(job.modelVersionId);
      expect(signal.lateMs).toBeGreaterThan(0);
    }
  }, 180_000);
});
