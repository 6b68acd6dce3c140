import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { seededRandom } from '../src/common/seeded-random';
import type { Candle } from '../src/market-data/candle';
import { CandlesRepository } from '../src/market-data/candles.repository';
import { JobName } from '../src/queue/queue.catalogue';
import { readCandleCsv } from '../src/simulator/candle-series';
import { api, fieldProblems, jobResult, type Api, type Schema } from './support/api';
import { graphql } from './support/graphql';
import { bestOf, modelMetrics, trialMetrics } from './support/models-fixtures';
import { databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const CANDLES = readCandleCsv(
  join(__dirname, 'fixtures', 'klines', 'BTCUSDT-1h-2022-08-20_2022-09-30.csv'),
);
const MARKET = { exchange: 'binance', symbol: 'BTCUSDT', interval: '1h' };
/** The test part: the last 200 of the 1000 candles. */
const TEST_FROM = CANDLES[800]!.openTime;

describe('model search: trials as jobs on the training part, the best evaluated once on the test part', () => {
  let t: TestApp;
  let http: Api;
  const env = {
    DATABASE_URL: databaseUrl(scratchName('search')),
    REDIS_PREFIX: scratchName('search'),
    SYMBOLS: 'BTC,ETH',
    INTERVALS: '1h',
    MODEL_INTERVALS: '1h',
    EXCHANGE: 'binance',
  };
  const SEARCH = {
    symbol: 'BTC',
    interval: '1h',
    kinds: ['linear'],
    space: { linear: { lookback: [6, 12], l2: { min: 0.1, max: 100, log: true } } },
    trials: 4,
    folds: 2,
    seed: 42,
    testFrom: new Date(TEST_FROM).toISOString(),
  };

  async function completed(searchId: string): Promise<Schema<'ModelSearchDto'>> {
    return waitFor(
      async () => {
        const body = (await http.get(`/models/searches/${searchId}`)).body;
        if (body.status === 'failed') {
          throw new Error(`search failed: ${JSON.stringify(body)}`);
        }
        return body.status === 'completed' ? body : undefined;
      },
      { what: `search ${searchId}`, timeoutMs: 120_000, intervalMs: 200 },
    );
  }

  beforeAll(async () => {
    t = await startTestApp({ worker: true, env });
    http = api(t, { key: t.adminKey });
    await t.app.get(CandlesRepository).upsert(MARKET, CANDLES);
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it('runs every trial, records them, and evaluates the best once on the test part', async () => {
    const started = await http.post('/admin/models/search', { body: SEARCH });
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ trials: 4, testFrom: new Date(TEST_FROM).toISOString() });
    const search = await completed(started.body.searchId);
    expect(search).toMatchObject({ trialsTotal: 4, trialsDone: 4, percent: 100 });
    expect(search.request).toMatchObject({
      seed: 42,
      trials: 4,
      kinds: ['linear'],
      horizons: [1, 4, 24],
    });
    expect(search.trials).toHaveLength(4);
    for (const trial of search.trials) {
      expect(trial.status).toBe('completed');
      expect(trial.kind).toBe('linear');
      expect([6, 12]).toContain(trial.params.lookback);
      expect(trial.params.l2).toBeGreaterThanOrEqual(0.1);
      expect(trial.params.l2).toBeLessThanOrEqual(100);
      expect(trial.score).toBeGreaterThan(0);
      expect(trial.seconds).toBeGreaterThan(0);
      expect(trialMetrics(trial)?.walkForward?.folds).toHaveLength(2);
      // Each trial validates inside the training part.
      expect(trialMetrics(trial)!.validationTo).toBeLessThan(TEST_FROM);
    }
    const lowest = [...search.trials].sort((a, b) => a.score! - b.score!)[0]!;
    expect(search.best).toMatchObject({
      trialIndex: lowest.index,
      kind: 'linear',
      score: lowest.score,
    });
    const best = bestOf(search);
    expect(best.test.split.model.count).toBeGreaterThan(150);
    expect(best.test.split.versusPersistence.pValue).toBeGreaterThan(0);
    expect(best.test.forecast.map((h) => h.horizon)).toEqual([1, 4, 24]);
    // Listed, and over GraphQL too.
    const listed = await http.get('/models/searches', { query: { symbol: 'BTC' } });
    expect(listed.body[0]!.id).toBe(search.id);
    const overGraphql = await graphql<{ modelSearch: unknown }>(
      t,
      {
        query: `query ($id: ID!) { modelSearch(id: $id) { status trialsDone trials { index score } } }`,
        variables: { id: search.id },
      },
      { key: t.adminKey },
    );
    expect(overGraphql.body.data?.modelSearch).toMatchObject({
      status: 'completed',
      trialsDone: 4,
    });
  }, 180_000);

  it('is reproducible with a seed and never reads the test part (sentinel candles change nothing)', async () => {
    const first = await completed(
      (await http.post('/admin/models/search', { body: SEARCH })).body.searchId,
    );
    // Sentinels: every candle of the test part becomes absurd (prices x 1000). A trial that read
    // any of them would score differently; the test-part evaluation must see them.
    await t.app.get(DataSource).query(
      `UPDATE candles SET open = open * 1000, high = high * 1000, low = low * 1000, close = close * 1000
          WHERE exchange = $1 AND symbol = $2 AND interval = $3 AND open_time >= $4`,
      [MARKET.exchange, MARKET.symbol, MARKET.interval, new Date(TEST_FROM)],
    );
    try {
      const second = await completed(
        (await http.post('/admin/models/search', { body: SEARCH })).body.searchId,
      );
      expect(second.id).not.toBe(first.id);
      expect(second.trials.map((trial) => [trial.kind, trial.params, trial.score])).toEqual(
        first.trials.map((trial) => [trial.kind, trial.params, trial.score]),
      );
      expect(bestOf(second).trialIndex).toBe(bestOf(first).trialIndex);
      expect(bestOf(second).test.split.model.mae).not.toBeCloseTo(
        bestOf(first).test.split.model.mae,
        3,
      );
      // Another seed draws other trials.
      const other = await completed(
        (await http.post('/admin/models/search', { body: { ...SEARCH, seed: 7 } })).body.searchId,
      );
      expect(other.trials.map((trial) => trial.params)).not.toEqual(
        first.trials.map((trial) => trial.params),
      );
    } finally {
      await t.app.get(CandlesRepository).upsert(MARKET, CANDLES);
    }
  }, 300_000);

  it('promotes by the Diebold-Mariano rule: significantly better than persistence, then than production', async () => {
    // ETH: a synthetic market whose next return is -0.6 x the last one plus noise: a linear
    // model predicts it well, so it beats persistence with significance.
    const next = seededRandom(3);
    const candles: Candle[] = [];
    let close = 1000;
    let last = 0;
    for (let i = 0; i < 1500; i++) {
      const r = -0.6 * last + 0.004 * (next() - 0.5);
      const open = close;
      close *= Math.exp(r);
      last = r;
      candles.push({
        openTime: CANDLES[0]!.openTime + i * 3_600_000,
        open,
        high: Math.max(open, close) * 1.001,
        low: Math.min(open, close) * 0.999,
        close,
        volume: 100 + 50 * next(),
        quoteVolume: null,
        tradeCount: null,
        takerBuyBaseVolume: null,
        takerBuyQuoteVolume: null,
      });
    }
    await t.app.get(CandlesRepository).upsert({ ...MARKET, symbol: 'ETHUSDT' }, candles);
    const train = async () => {
      const response = await http.post('/admin/models/train', {
        body: { symbol: 'ETH', kind: 'linear', params: { lookback: 6 } },
      });
      expect(response.status).toBe(202);
      return waitFor(
        async () => {
          const job = (await http.get(`/jobs/${response.body.jobId}`)).body;
          if (job.state === 'failed') {
            throw new Error(job.error ?? `training job ${job.id} failed`);
          }
          return job.state === 'completed' ? jobResult(job, JobName.TrainModel) : undefined;
        },
        { what: 'the ETH training', timeoutMs: 60_000 },
      );
    };
    const first = await train();
    expect(first.pValue).toBeLessThan(0.05);
    expect(first.status).toBe('production');
    expect(first.promotion).toMatch(/^promoted to production/);
    // The same model again is no better than production: it stays a candidate.
    const second = await train();
    expect(second.pValue).toBeLessThan(0.05);
    expect(second.status).toBe('candidate');
    expect(second.promotion).toMatch(/does not beat production with significance/);
    // The comparison is stored with the version, p-value included.
    const [candidate] = (
      await http.get('/models', { query: { symbol: 'ETH', status: 'candidate' } })
    ).body;
    const versusProduction = modelMetrics(candidate!)?.versusProduction;
    expect(versusProduction).toMatchObject({ pValue: 1 });
    expect(versusProduction!.mae).toBe(versusProduction!.productionMae);
  }, 120_000);

  it('refuses bad input with 4xx naming the field', async () => {
    const bad = await http.post('/admin/models/search', {
      // trials below the contract's minimum of 1.
      rawBody: {
        symbol: 'BTC',
        kinds: ['svm'],
        space: { lstm: { units: [0], wings: [1] } },
        trials: 0,
      },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.errorBody.details)).toContain('trials');
    const space = await http.post('/admin/models/search', {
      body: { symbol: 'BTC', kinds: ['svm'], space: { lstm: { units: [0], wings: [1] } } },
    });
    expect(space.status).toBe(400);
    const fields = fieldProblems(space.errorBody)
      .map((d) => d.field)
      .sort();
    expect(fields).toEqual(['kinds', 'space.lstm.units', 'space.lstm.wings']);
    const early = await http.post('/admin/models/search', {
      body: { symbol: 'BTC', testFrom: '2022-08-21' },
    });
    expect(early.status).toBe(400);
    expect(fieldProblems(early.errorBody)[0]!.field).toBe('testFrom');
    expect((await http.post('/admin/models/search', { body: { symbol: 'DOGE' } })).status).toBe(
      404,
    );
    expect((await http.get('/models/searches/not-a-uuid')).status).toBe(400);
    expect((await http.get('/models/searches/00000000-0000-4000-8000-000000000000')).status).toBe(
      404,
    );
    expect(
      (await http.post('/admin/models/search', { body: { symbol: 'BTC' }, key: null })).status,
    ).toBe(401);
  });
});
