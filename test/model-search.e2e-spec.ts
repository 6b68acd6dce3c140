import { join } from 'node:path';
import { DataSource } from 'typeorm';
import request from 'supertest';
import { seededRandom } from '../src/common/seeded-random';
import type { Candle } from '../src/market-data/candle';
import { CandlesRepository } from '../src/market-data/candles.repository';
import { readCandleCsv } from '../src/simulator/candle-series';
import { databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const CANDLES = readCandleCsv(
  join(__dirname, 'fixtures', 'klines', 'BTCUSDT-1h-2022-08-20_2022-09-30.csv'),
);
const MARKET = { exchange: 'binance', symbol: 'BTCUSDT', interval: '1h' };
/** The test part: the last 200 of the 1000 candles. */
const TEST_FROM = CANDLES[800]!.openTime;

interface SearchBody {
  id: string;
  status: string;
  request: { seed: number; trials: number; kinds: string[]; horizons: number[] };
  testFrom: string;
  trialsTotal: number;
  trialsDone: number;
  percent: number;
  trials: {
    index: number;
    kind: string;
    params: Record<string, number>;
    status: string;
    score: number | null;
    metrics: { walkForward: { folds: unknown[] } | null; validationTo: number } | null;
    seconds: number | null;
  }[];
  best: {
    trialIndex: number;
    kind: string;
    score: number;
    test: {
      split: { model: { mae: number; count: number }; versusPersistence: { pValue: number } };
      forecast: { horizon: number }[];
    };
  } | null;
}

describe('model search: trials as jobs on the training part, the best evaluated once on the test part', () => {
  let t: TestApp;
  const env = {
    DATABASE_URL: databaseUrl(scratchName('search')),
    REDIS_PREFIX: scratchName('search'),
    SYMBOLS: 'BTC,ETH',
    INTERVALS: '1h',
    MODEL_INTERVALS: '1h',
    EXCHANGE: 'binance',
  };
  const get = (path: string) => request(t.url).get(path).set('x-api-key', t.adminKey);
  const post = (path: string, body: object = {}) =>
    request(t.url).post(path).set('x-api-key', t.adminKey).send(body);
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

  async function completed(searchId: string): Promise<SearchBody> {
    return waitFor(
      async () => {
        const body = (await get(`/models/searches/${searchId}`)).body as SearchBody;
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
    await t.app.get(CandlesRepository).upsert(MARKET, CANDLES);
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it('runs every trial, records them, and evaluates the best once on the test part', async () => {
    const started = await post('/admin/models/search', SEARCH);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ trials: 4, testFrom: new Date(TEST_FROM).toISOString() });
    const search = await completed(started.body.searchId as string);
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
      expect(trial.metrics?.walkForward?.folds).toHaveLength(2);
      // Each trial validates inside the training part.
      expect(trial.metrics!.validationTo).toBeLessThan(TEST_FROM);
    }
    const lowest = [...search.trials].sort((a, b) => a.score! - b.score!)[0]!;
    expect(search.best).toMatchObject({
      trialIndex: lowest.index,
      kind: 'linear',
      score: lowest.score,
    });
    expect(search.best!.test.split.model.count).toBeGreaterThan(150);
    expect(search.best!.test.split.versusPersistence.pValue).toBeGreaterThan(0);
    expect(search.best!.test.forecast.map((h) => h.horizon)).toEqual([1, 4, 24]);
    // Listed, and over GraphQL too.
    expect(((await get('/models/searches?symbol=BTC')).body as SearchBody[])[0]!.id).toBe(
      search.id,
    );
    const graphql = await post('/graphql', {
      query: `query ($id: ID!) { modelSearch(id: $id) { status trialsDone trials { index score } } }`,
      variables: { id: search.id },
    });
    expect(graphql.body.data.modelSearch).toMatchObject({ status: 'completed', trialsDone: 4 });
  }, 180_000);

  it('is reproducible with a seed and never reads the test part (sentinel candles change nothing)', async () => {
    const first = await completed((await post('/admin/models/search', SEARCH)).body.searchId);
    // Sentinels: every candle of the test part becomes absurd (prices x 1000). A trial that read
    // any of them would score differently; the test-part evaluation must see them.
    await t.app.get(DataSource).query(
      `UPDATE candles SET open = open * 1000, high = high * 1000, low = low * 1000, close = close * 1000
          WHERE exchange = $1 AND symbol = $2 AND interval = $3 AND open_time >= $4`,
      [MARKET.exchange, MARKET.symbol, MARKET.interval, new Date(TEST_FROM)],
    );
    try {
      const second = await completed((await post('/admin/models/search', SEARCH)).body.searchId);
      expect(second.id).not.toBe(first.id);
      expect(second.trials.map((trial) => [trial.kind, trial.params, trial.score])).toEqual(
        first.trials.map((trial) => [trial.kind, trial.params, trial.score]),
      );
      expect(second.best!.trialIndex).toBe(first.best!.trialIndex);
      expect(second.best!.test.split.model.mae).not.toBeCloseTo(
        first.best!.test.split.model.mae,
        3,
      );
      // Another seed draws other trials.
      const other = await completed(
        (await post('/admin/models/search', { ...SEARCH, seed: 7 })).body.searchId,
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
      const response = await post('/admin/models/train', {
        symbol: 'ETH',
        kind: 'linear',
        params: { lookback: 6 },
      });
      expect(response.status).toBe(202);
      return waitFor(
        async () => {
          const job = (await get(`/jobs/${response.body.jobId as string}`)).body;
          if (job.state === 'failed') {
            throw new Error(job.error as string);
          }
          return job.state === 'completed'
            ? (job.result as { status: string; pValue: number; promotion: string })
            : undefined;
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
    const [candidate] = (await get('/models?symbol=ETH&status=candidate')).body as {
      metrics: { versusProduction: { pValue: number; mae: number; productionMae: number } };
    }[];
    expect(candidate!.metrics.versusProduction).toMatchObject({ pValue: 1 });
    expect(candidate!.metrics.versusProduction.mae).toBe(
      candidate!.metrics.versusProduction.productionMae,
    );
  }, 120_000);

  it('refuses bad input with 4xx naming the field', async () => {
    const bad = await post('/admin/models/search', {
      symbol: 'BTC',
      kinds: ['svm'],
      space: { lstm: { units: [0], wings: [1] } },
      trials: 0,
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.details)).toContain('trials');
    const space = await post('/admin/models/search', {
      symbol: 'BTC',
      kinds: ['svm'],
      space: { lstm: { units: [0], wings: [1] } },
    });
    expect(space.status).toBe(400);
    const fields = (space.body.details as { field: string }[]).map((d) => d.field).sort();
    expect(fields).toEqual(['kinds', 'space.lstm.units', 'space.lstm.wings']);
    const early = await post('/admin/models/search', { symbol: 'BTC', testFrom: '2022-08-21' });
    expect(early.status).toBe(400);
    expect(early.body.details[0].field).toBe('testFrom');
    expect((await post('/admin/models/search', { symbol: 'DOGE' })).status).toBe(404);
    expect((await get('/models/searches/not-a-uuid')).status).toBe(400);
    expect((await get('/models/searches/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await request(t.url).post('/admin/models/search').send({ symbol: 'BTC' })).status).toBe(
      401,
    );
  });
});
