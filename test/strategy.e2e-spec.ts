import { join } from 'node:path';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import type { Candle } from '../src/market-data/candle';
import { PredictionsRepository } from '../src/models/predictions.repository';
import { FearGreedImportService } from '../src/sentiment/import/fear-greed-import.service';
import { readCandleCsv } from '../src/simulator/candle-series';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { JobName } from '../src/queue/queue.catalogue';
import { api, backtestResult, fieldProblems, jobResult, type Api } from './support/api';
import { graphql } from './support/graphql';
import { REDIS_URL, databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { sleep, waitFor } from './support/wait-for';

const HOUR_MS = 3_600_000;
const CANDLES = readCandleCsv(
  join(__dirname, 'fixtures', 'klines', 'BTCUSDT-1h-2022-08-20_2022-09-30.csv'),
);

describe('strategies: rules as data, live signals once per candle, dry runs', () => {
  let sim: ExchangeSimulator;
  let t: TestApp;
  let subscriber: Redis;
  const events: { strategyId: string; openTime: number; action: string }[] = [];
  const prefix = scratchName('strat');
  let last = CANDLES[CANDLES.length - 1]!;
  let http: Api;
  /** Creates a strategy the test needs (201 expected). */
  const createStrategy = async (name: string, definition: Record<string, unknown>) =>
    expect((await http.post('/admin/strategies', { body: { name, definition } })).status).toBe(201);
  /** A backtest's body once it completed (its error, if it failed). */
  const completedBacktest = (id: string, what: string, timeoutMs: number) =>
    waitFor(
      async () => {
        const body = (await http.get(`/backtests/${id}`)).body;
        if (body.status === 'failed') {
          throw new Error(body.error ?? 'failed');
        }
        return body.status === 'completed' ? { ...body, result: backtestResult(body) } : undefined;
      },
      { what, timeoutMs },
    );

  async function closeNextCandle(): Promise<Candle> {
    last = await sim.closeNext('BTCUSDT', '1h', last, 0.001);
    return last;
  }

  beforeAll(async () => {
    sim = await ExchangeSimulator.start({ speed: 0 });
    sim.load('BTCUSDT', '1h', CANDLES);
    subscriber = new Redis(REDIS_URL);
    await subscriber.subscribe(`${prefix}:events:signal.created`);
    subscriber.on('message', (_channel: string, message: string) =>
      events.push(JSON.parse(message) as (typeof events)[number]),
    );
    t = await startTestApp({
      worker: true,
      env: {
        DATABASE_URL: databaseUrl(scratchName('strat')),
        REDIS_PREFIX: prefix,
        SYMBOLS: 'BTC',
        INTERVALS: '1h',
        EXCHANGE: 'binance',
        EXCHANGE_REST_URL: sim.restUrl,
        EXCHANGE_WS_URL: sim.wsUrl,
        BACKFILL_FROM: new Date(CANDLES[0]!.openTime).toISOString(),
        LIVE_STREAM: 'true',
      },
    });
    http = api(t, { key: t.adminKey });
    await waitFor(
      async () =>
        (await http.get('/markets')).body[0]?.count === CANDLES.length && sim.openConnections === 1
          ? true
          : undefined,
      {
        what: 'the backfill and the stream',
        timeoutMs: 30_000,
      },
    );
  }, 60_000);
  afterAll(async () => {
    subscriber.disconnect();
    await t.close();
    await sim.close();
  });

  it('ships a default strategy and refuses invalid ones naming the rule and the problem', async () => {
    const list = (await http.get('/strategies')).body;
    expect(list).toEqual([
      expect.objectContaining({ name: 'default', version: 1, active: true, needsModel: true }),
    ]);
    const bad = await http.post('/admin/strategies', {
      body: {
        name: 'broken',
        definition: {
          rules: [
            { input: 'rsi', condition: { op: '<', value: 30 }, weight: 0.5 },
            { input: 'tea-leaves', condition: { op: '>', value: 1 }, weight: 3 },
          ],
        },
      },
    });
    expect(bad.status).toBe(400);
    const fields = fieldProblems(bad.errorBody).map((d) => d.field);
    expect(fields).toEqual(
      expect.arrayContaining(['definition.rules[1].input', 'definition.rules[1].weight']),
    );
    expect(
      (await http.post('/admin/strategies', { body: { name: 'Bad Name!', definition: {} } }))
        .status,
    ).toBe(400);
  });

  it('decides on every closed candle, once per strategy and candle, with the reasons', async () => {
    const created = await http.post('/admin/strategies', {
      body: {
        name: 'oversold',
        definition: {
          rules: [
            { label: 'RSI below 101', input: 'rsi', condition: { op: '<', value: 101 }, weight: 1 },
            {
              label: 'above the 20-EMA',
              input: 'priceVsEma',
              period: 20,
              condition: { op: '>', value: 0 },
              weight: -0.5,
            },
          ],
          thresholds: { buy: 0.4, sell: -0.4 },
        },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'oversold', version: 1, needsModel: false });
    const candle = await closeNextCandle();
    const signals = await waitFor(
      async () => {
        const body = (await http.get('/signals/BTC')).body;
        return body.length === 2 && body.every((s) => Date.parse(s.openTime) === candle.openTime)
          ? body
          : undefined;
      },
      { what: 'a signal of each strategy' },
    );
    const oversold = signals.find((s) => s.strategyName === 'oversold')!;
    expect(oversold.reasons[0]).toMatchObject({ label: 'RSI below 101' });
    expect(oversold.reasons[0]!.value).toBeGreaterThan(0);
    expect(oversold.action).toBe(
      oversold.score >= 0.4 ? 'BUY' : oversold.score <= -0.4 ? 'SELL' : 'HOLD',
    );
    expect(oversold.prediction).toBeNull();
    // The same closed kline delivered again: still one signal per strategy, published once.
    await sim.emit('BTCUSDT', '1h', candle, true);
    // The point is that nothing more happens: give the repeat time to be processed, then count.
    await sleep(500);
    const history = (
      await http.get('/signals/BTC/history', { query: { from: String(candle.openTime) } })
    ).body;
    expect(history).toHaveLength(2);
    expect(events.filter((e) => e.openTime === candle.openTime)).toHaveLength(2);
  });

  it('versions a strategy, runs dry without writing, and serves GraphQL the same', async () => {
    const current = (await http.get('/strategies/oversold')).body;
    const updated = await http.put(`/admin/strategies/${current.id}`, {
      body: {
        definition: {
          rules: [{ input: 'rsi', condition: { op: 'between', min: 0, max: 100 }, weight: 1 }],
          thresholds: { buy: 0.5, sell: -0.5 },
        },
      },
    });
    expect(updated.body).toMatchObject({ name: 'oversold', version: 2, active: true });
    expect((await http.get(`/strategies/${current.id}`)).body.active).toBe(false);
    // The latest decisions are those of active strategies: not version 1's any more.
    const latest = (await http.get('/signals/BTC')).body;
    expect(latest.length).toBeGreaterThan(0);
    expect(latest.map((signal) => signal.strategyId)).not.toContain(current.id);
    const before = (await http.get('/signals/BTC/history')).body.length;
    const dry = await http.post('/strategies/oversold/evaluate', { body: { symbol: 'BTC' } });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      strategyVersion: 2,
      action: 'BUY',
      score: 1,
      createdAt: null,
    });
    expect((await http.get('/signals/BTC/history')).body.length).toBe(before);
    const viaGraphql = await graphql<{ signals: { strategyName: string }[] }>(
      t,
      {
        query:
          '{ signals(symbol: "BTC", strategy: "default") { strategyName action score reasons { label } } }',
      },
      { key: t.adminKey },
    );
    expect(viaGraphql.body.errors).toBeUndefined();
    expect(viaGraphql.body.data?.signals[0]?.strategyName).toBe('default');
  });

  it('uses the production model prediction for strategies that read it', async () => {
    const trained = await http.post('/admin/models/train', {
      body: {
        symbol: 'BTC',
        params: { units: 8, lookback: 8, epochs: 2, batchSize: 64, patience: 0 },
      },
    });
    const job = await waitFor(
      async () => {
        const body = (await http.get(`/jobs/${trained.body.jobId}`)).body;
        return body.state === 'completed' ? jobResult(body, JobName.TrainModel) : undefined;
      },
      { what: 'the training', timeoutMs: 60_000 },
    );
    if (job.status !== 'production') {
      await http.post(`/admin/models/${job.modelVersionId}/promote`, { body: {} });
    }
    await waitFor(
      async () => ((await http.get('/predict/BTC')).status === 200 ? true : undefined),
      {
        what: 'a prediction',
      },
    );
    const candle = await closeNextCandle();
    const signal = await waitFor(
      async () => {
        const body = (await http.get('/signals/BTC', { query: { strategy: 'default' } })).body;
        return body[0] && Date.parse(body[0].openTime) === candle.openTime ? body[0] : undefined;
      },
      { what: 'the default strategy signal with the model', timeoutMs: 15_000 },
    );
    expect(signal.modelVersionId).toBe(job.modelVersionId);
    expect(typeof signal.prediction?.predictedReturn).toBe('number');

    // A crossing on a model input compares with the prediction stored at the candle before,
    // live as in backtests (it never fired live: the candle before had no prediction).
    const current = (await http.get('/predict/BTC')).body;
    const at = Date.parse(current.openTime);
    const dataSource = t.app.get(DataSource);
    const updated = await dataSource.query<[unknown, number]>(
      `UPDATE predictions SET predicted_return = $1
        WHERE exchange = 'binance' AND symbol = 'BTCUSDT' AND interval = '1h' AND open_time = to_timestamp($2 / 1000.0)`,
      [current.predictedReturn - 1, at - HOUR_MS],
    );
    expect(updated[1]).toBeGreaterThan(0);
    const crossing = await http.post('/admin/strategies', {
      body: {
        name: 'model-cross',
        definition: {
          rules: [
            {
              label: 'prediction turned up',
              input: 'predictedReturn',
              condition: { op: 'crossesAbove', value: current.predictedReturn - 0.5 },
              weight: 1,
            },
          ],
          thresholds: { buy: 0.5, sell: -0.5 },
        },
      },
    });
    expect(crossing.status).toBe(201);
    // Stored predictions carry when their model was trained (backtests' model-age guard reads it).
    const model = (await http.get(`/models/${job.modelVersionId}`)).body;
    const stored = await t.app
      .get(PredictionsRepository)
      .forRange({ exchange: 'binance', symbol: 'BTCUSDT', interval: '1h' }, at, at);
    expect(stored.get(at)?.trainedAt).toBe(Date.parse(model.trainedAt!));
    const dry = await http.post('/strategies/model-cross/evaluate', { body: { symbol: 'BTC' } });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      action: 'BUY',
      reasons: [expect.objectContaining({ label: 'prediction turned up' })],
    });
  }, 90_000);

  it('backtests a strategy as a job, with fees, trades and buy-and-hold, using the live predictions stored', async () => {
    const from = new Date(CANDLES[200]!.openTime).toISOString();
    const to = new Date(last.openTime).toISOString();
    const started = await http.post('/backtests', {
      body: {
        strategy: 'default',
        symbol: 'BTC',
        from,
        to,
        startingCash: 1000,
        feeRate: 0.001,
      },
    });
    expect(started.status).toBe(202);
    const backtest = await completedBacktest(started.body.backtestId, 'the backtest', 30_000);
    const candles = CANDLES.length - 200 + 2;
    expect(backtest.result.candles).toBe(candles);
    // The two candles closed live in this test carry stored predictions.
    expect(backtest.result.predictionsUsed).toBeGreaterThanOrEqual(1);
    const first = CANDLES[200]!;
    const holdQuantity = (1000 * (1 - 0.001)) / first.open;
    expect(backtest.result.buyAndHold.finalEquity).toBeCloseTo(
      holdQuantity * last.close * (1 - 0.001),
      6,
    );
    const trades = (await http.get(`/backtests/${started.body.backtestId}/trades`)).body;
    expect(trades).toHaveLength(backtest.tradeCount!);
    expect(trades.every((trade) => trade.exitTime >= trade.entryTime && trade.fees > 0)).toBe(true);
    expect(backtest.result.strategy.feesPaid).toBeCloseTo(
      trades.reduce((sum, trade) => sum + trade.fees, 0),
      6,
    );
    expect(backtest.equity?.length).toBeGreaterThan(10);
    expect(
      (
        await http.post('/backtests', {
          body: { strategy: 'default', symbol: 'BTC', from: to, to: from },
        })
      ).status,
    ).toBe(400);
    expect(
      (await http.post('/backtests', { body: { strategy: 'nope', symbol: 'BTC', from, to } }))
        .status,
    ).toBe(404);
    expect((await http.get('/backtests/not-a-uuid')).status).toBe(400);

    // Sentiment rules fire in backtests as they do live (the series was never passed in).
    await t.app
      .get(FearGreedImportService)
      .import(join(__dirname, 'fixtures', 'sentiment', 'fear-greed-2022-08-15_2022-10-01.csv'));
    await createStrategy('sentiment-only', {
      rules: [{ input: 'sentiment', condition: { op: '>', value: -1000 }, weight: 1 }],
      thresholds: { buy: 0.5, sell: -0.5 },
    });
    const bySentiment = await http.post('/backtests', {
      body: {
        strategy: 'sentiment-only',
        symbol: 'BTC',
        from,
        to,
      },
    });
    expect(bySentiment.status).toBe(202);
    const sentimentResult = await completedBacktest(
      bySentiment.body.backtestId,
      'the sentiment backtest',
      30_000,
    );
    expect(sentimentResult.tradeCount).toBeGreaterThan(0);
  }, 60_000);

  it('sizes backtest entries by predicted volatility, the strategy default or the request, and refuses a bad sizing naming the field', async () => {
    const fromIndex = 200;
    const from = new Date(CANDLES[fromIndex]!.openTime).toISOString();
    const to = new Date(CANDLES[fromIndex + 100]!.openTime).toISOString();
    // Always BUY: one entry at the second candle's open, held to the end.
    await createStrategy('vol-sized', {
      rules: [{ input: 'rsi', condition: { op: 'between', min: 0, max: 100 }, weight: 1 }],
      thresholds: { buy: 0.5, sell: -0.5 },
      sizing: { kind: 'volatility', targetVolatility: 0.002, maxFraction: 0.9 },
    });
    // The EWMA volatility (lambda 0.94, seeded with the mean square of the first 30 one-candle log
    // returns) at the decision candle, by hand from the candles stored before and at it.
    let variance = 0;
    for (let i = 1; i <= fromIndex; i++) {
      const r = Math.log(CANDLES[i]!.close / CANDLES[i - 1]!.close);
      variance = i <= 30 ? variance + (r * r) / 30 : 0.94 * variance + 0.06 * r * r;
    }
    const sigma = Math.sqrt(variance);
    const investedShare = async (body: object) => {
      const started = await http.post('/backtests', {
        body: {
          strategy: 'vol-sized',
          symbol: 'BTC',
          from,
          to,
          startingCash: 1000,
          feeRate: 0.001,
          ...body,
        },
      });
      expect(started.status).toBe(202);
      const backtest = await completedBacktest(started.body.backtestId, 'a sized backtest', 30_000);
      const trades = (await http.get(`/backtests/${started.body.backtestId}/trades`)).body;
      expect(trades).toHaveLength(1);
      // Spent: quantity x price plus the 0.1% fee taken out of it.
      return {
        params: backtest.params,
        share: (trades[0]!.quantity * trades[0]!.entryPrice) / (1 - 0.001) / 1000,
      };
    };
    const byStrategy = await investedShare({});
    expect(byStrategy.params.sizing).toEqual({
      kind: 'volatility',
      targetVolatility: 0.002,
      maxFraction: 0.9,
    });
    expect(byStrategy.share).toBeCloseTo(Math.min(0.9, 0.002 / sigma), 9);
    const byRequest = await investedShare({
      sizing: { kind: 'volatility', targetVolatility: 0.01 },
    });
    expect(byRequest.params.sizing).toEqual({ kind: 'volatility', targetVolatility: 0.01 });
    expect(byRequest.share).toBeCloseTo(Math.min(1, 0.01 / sigma), 9);

    const refused = async (body: object) => {
      const response = await http.post('/backtests', {
        body: {
          strategy: 'vol-sized',
          symbol: 'BTC',
          from,
          to,
          ...body,
        },
      });
      expect(response.status).toBe(400);
      // The fields named (one field may have several problems: a missing number is neither a
      // number nor positive).
      return [...new Set(fieldProblems(response.errorBody).map((d) => d.field))];
    };
    expect(await refused({ sizing: { kind: 'volatility', targetVolatility: -1 } })).toEqual([
      'sizing.targetVolatility',
    ]);
    expect(await refused({ sizing: { kind: 'volatility' } })).toEqual(['sizing.targetVolatility']);
    expect(await refused({ sizing: { kind: 'all-in', targetVolatility: 0.01 } })).toEqual([
      'sizing.targetVolatility',
    ]);
    expect(await refused({ sizing: { kind: 'kelly' } })).toEqual(['sizing.kind']);
    expect(await refused({ fraction: 0.5, sizing: { kind: 'all-in' } })).toEqual(['fraction']);
    const viaGraphql = await graphql(
      t,
      {
        query: `mutation { runBacktest(input: { strategy: "vol-sized", symbol: "BTC", from: "${from}", to: "${to}", sizing: { kind: "volatility", targetVolatility: -1 } }) { backtestId } }`,
      },
      { key: t.adminKey },
    );
    const [refusedByGraphql] = viaGraphql.body.errors ?? [];
    expect(refusedByGraphql?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(refusedByGraphql?.extensions?.details?.[0]?.field).toBe('sizing.targetVolatility');
  }, 90_000);

  it('makes walk-forward predictions for a past range, each block from a model trained only before it', async () => {
    // The last part of the fixture, in two walk-forward blocks of small models.
    const walkForward = (strategy: string) =>
      http.post('/backtests', {
        body: {
          strategy,
          symbol: 'BTC',
          from: new Date(CANDLES[400]!.openTime).toISOString(),
          to: new Date(CANDLES[CANDLES.length - 1]!.openTime).toISOString(),
          retrainEvery: 300,
          modelParams: { units: 8, lookback: 8, epochs: 2, batchSize: 64, patience: 0 },
        },
      });
    const started = await walkForward('default');
    expect(started.status).toBe(202);
    const backtest = await completedBacktest(
      started.body.backtestId,
      'the walk-forward backtest',
      60_000,
    );
    const blocks = backtest.result.walkForwardBlocks;
    expect(blocks).toHaveLength(2);
    for (const block of blocks) {
      expect(block.trainedThrough).toBeLessThan(block.predictsFrom);
    }
    expect(blocks[0]!.predictsFrom).toBe(CANDLES[400]!.openTime);
    expect(backtest.result.predictionsGenerated).toBe(CANDLES.length - 400);

    // A strategy whose only rule reads the model, with a model-age guard: walk-forward
    // predictions carry when their model was trained, so the rule fires (it never did: every
    // prediction counted as stale) and the strategy buys.
    await createStrategy('model-only', {
      rules: [{ input: 'predictedReturn', condition: { op: '>', value: -1 }, weight: 1 }],
      thresholds: { buy: 0.5, sell: -0.5 },
      guards: { maxModelAgeMs: 60 * 24 * HOUR_MS },
    });
    const guarded = await walkForward('model-only');
    expect(guarded.status).toBe(202);
    const guardedResult = await completedBacktest(
      guarded.body.backtestId,
      'the model-only backtest',
      60_000,
    );
    expect(guardedResult.tradeCount).toBeGreaterThan(0);
    const invalid = await http.post('/backtests', {
      body: {
        strategy: 'default',
        symbol: 'BTC',
        from: '2022-09-01',
        to: '2022-09-10',
        modelParams: { units: 0 },
      },
    });
    expect(invalid.status).toBe(400);
    expect(fieldProblems(invalid.errorBody)[0]?.field).toBe('modelParams.units');
  }, 90_000);

  it('answers bad input with 4xx', async () => {
    expect((await http.get('/signals/DOGE')).status).toBe(404);
    expect((await http.get('/signals/BTC/history', { rawQuery: { action: 'MAYBE' } })).status).toBe(
      400,
    );
    expect((await http.get('/signals/BTC', { query: { strategy: 'nope' } })).status).toBe(404);
    expect(
      (
        await http.put('/admin/strategies/not-a-uuid', {
          body: {
            definition: { rules: [{ input: 'rsi', condition: { op: '>', value: 1 }, weight: 1 }] },
          },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await http.post('/admin/strategies', {
          body: {
            name: 'oversold',
            definition: { rules: [{ input: 'rsi', condition: { op: '>', value: 1 }, weight: 1 }] },
          },
        })
      ).status,
    ).toBe(409);
  });
});
