import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { seededRandom } from '../src/common/seeded-random';
import type { Candle } from '../src/market-data/candle';
import { CandlesRepository } from '../src/market-data/candles.repository';
import { buildDataset } from '../src/models/engine/dataset';
import { featureSeedCandles } from '../src/models/engine/features';
import { loadModel } from '../src/models/engine/model-artifact';
import { predictBatch } from '../src/models/engine/trained-model';
import { ModelVersionsRepository } from '../src/models/model-versions.repository';
import { TensorFlowProvider } from '../src/models/tensorflow.provider';
import { JobName } from '../src/queue/queue.catalogue';
import { readCandleCsv } from '../src/simulator/candle-series';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { api, fieldProblems, jobInState, jobResult, type Api } from './support/api';
import { graphql } from './support/graphql';
import { bestOf, trialMetrics } from './support/models-fixtures';
import { databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { sleep, waitFor } from './support/wait-for';

const HOUR_MS = 3_600_000;
const BTC = readCandleCsv(
  join(__dirname, 'fixtures', 'klines', 'BTCUSDT-1h-2022-08-20_2022-09-30.csv'),
);
const ETH_VOLUMES = readCandleCsv(
  join(__dirname, 'fixtures', 'klines', 'ETHUSDT-1h-2022-08-20_2022-09-30.csv'),
).map((candle) => candle.volume);
const noise = seededRandom(17);

/** An ETH candle whose return follows BTC's previous one: 0.8 x BTC's last log return, plus noise. */
function followingBtc(previous: Candle | undefined, btc: readonly Candle[], index: number): Candle {
  const btcReturn = index > 1 ? Math.log(btc[index - 1]!.close / btc[index - 2]!.close) : 0;
  const open = previous?.close ?? 1600;
  const close = open * Math.exp(0.8 * btcReturn + 0.002 * (noise() - 0.5));
  return {
    openTime: btc[index]!.openTime,
    open,
    high: Math.max(open, close) * 1.001,
    low: Math.min(open, close) * 0.999,
    close,
    volume: ETH_VOLUMES[index % ETH_VOLUMES.length]!,
    quoteVolume: null,
    tradeCount: null,
    takerBuyBaseVolume: null,
    takerBuyQuoteVolume: null,
  };
}

const ETH: Candle[] = [];
BTC.forEach((_, index) => ETH.push(followingBtc(ETH[index - 1], BTC, index)));

/** What the request asks for, and what the model stores (canonical). */
const FEATURES = ['logReturn', 'volumeZScore', 'ema:20', 'BTC/logReturn', 'BTC/rsi:14'];
const CANONICAL = [
  'logReturn',
  'volumeZScore',
  'ema:20.value',
  'BTC/logReturn',
  'BTC/rsi:14.value',
];

describe('model inputs from the indicator catalogue and from other markets', () => {
  let sim: ExchangeSimulator;
  let t: TestApp;
  let http: Api;
  const env = () => ({
    DATABASE_URL: databaseUrl(scratchName('inputs')),
    REDIS_PREFIX: scratchName('inputs'),
    SYMBOLS: 'BTC,ETH',
    INTERVALS: '1h',
    MODEL_INTERVALS: '1h',
    EXCHANGE: 'binance',
    EXCHANGE_REST_URL: sim.restUrl,
    EXCHANGE_WS_URL: sim.wsUrl,
    BACKFILL_FROM: new Date(BTC[0]!.openTime).toISOString(),
    LIVE_STREAM: 'true',
  });

  /**
   * The forecast a model gives at ETH's candle `openTime` from rows computed over the whole stored
   * history, as training computes them: the model's output at its horizon times its shrinkage.
   */
  async function offlineForecast(modelVersionId: string, openTime: number): Promise<number> {
    const candles = t.app.get(CandlesRepository);
    const read = (symbol: string) =>
      candles.find({
        exchange: 'binance',
        symbol,
        interval: '1h',
        from: 0,
        to: openTime,
        limit: 5000,
      });
    const artifact = await t.app.get(ModelVersionsRepository).artifact(modelVersionId);
    const { tf } = await t.app.get(TensorFlowProvider).get();
    const trained = await loadModel(tf, artifact!);
    const dataset = buildDataset({
      candles: await read('ETHUSDT'),
      intervalMs: HOUR_MS,
      features: trained.features,
      lookback: trained.params.lookback,
      horizon: 0,
      markets: new Map([['BTC', await read('BTCUSDT')]]),
    });
    const last = dataset.samples[dataset.samples.length - 1]!;
    expect(last.openTime).toBe(openTime);
    const shrinkage = trained.calibration!.horizons.find((h) => h.horizon === 1)!.shrinkage;
    return predictBatch(tf, trained, dataset, [last])[0]! * shrinkage;
  }

  beforeAll(async () => {
    sim = await ExchangeSimulator.start({ speed: 0 });
    sim.load('BTCUSDT', '1h', BTC);
    sim.load('ETHUSDT', '1h', ETH);
    t = await startTestApp({ worker: true, env: env() });
    http = api(t, { key: t.adminKey });
    await waitFor(
      async () => {
        const markets = (await http.get('/markets')).body;
        return markets.length === 2 && markets.every((m) => m.count === BTC.length)
          ? true
          : undefined;
      },
      { what: 'the backfill of both markets', timeoutMs: 30_000 },
    );
  }, 60_000);
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('refuses bad inputs with a 400 naming each one, over REST and GraphQL', async () => {
    const bad = await http.post('/admin/models/train', {
      // One input is not a string.
      rawBody: {
        symbol: 'ETH',
        features: [
          'logReturn',
          'ETH/logReturn',
          'DOGE/logReturn',
          'bb:20,2',
          'macd:26,12.signal',
          'ema:50',
          'EMA:50.value',
          7,
          'bb.width',
          'vibes',
        ],
      },
    });
    expect(bad.status).toBe(400);
    const details = fieldProblems(bad.errorBody);
    expect(details.map((d) => d.field)).toEqual([
      'features[1]',
      'features[2]',
      'features[3]',
      'features[4]',
      'features[6]',
      'features[7]',
      'features[8]',
      'features[9]',
    ]);
    expect(details[0]!.problem).toMatch(/model's own market/);
    expect(details[1]!.problem).toMatch(/market DOGE is not in the catalogue \(known: BTC, ETH\)/);
    expect(details[2]!.problem).toMatch(/has 5 outputs; name one of bb:20,2.lower/);
    expect(details[3]!.problem).toMatch(/fastPeriod \(26\) must be less than slowPeriod/);
    expect(details[4]!.problem).toBe('repeats features[5] (both are ema:50.value)');
    expect(details[5]!.problem).toBe('must be a string');
    expect(details[6]!.problem).toMatch(/its outputs: bb:20,2.lower, .*bb:20,2.bandwidth/);
    expect(details[7]!.problem).toMatch(/neither a built-in input/);
    // Bad parameters and bad inputs are reported together.
    const both = await http.post('/admin/models/train', {
      body: { symbol: 'ETH', params: { units: 0 }, features: ['vibes'] },
    });
    expect(fieldProblems(both.errorBody).map((d) => d.field)).toEqual([
      'params.units',
      'features[0]',
    ]);
    const overGraphql = await graphql(
      t,
      {
        query: `mutation { trainModel(input: { symbol: "ETH", features: ["logReturn", "BTC/rsi:14,3"] }) { jobId } }`,
      },
      { key: t.adminKey },
    );
    expect(overGraphql.body.errors?.[0]?.extensions).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'features[1]', problem: expect.stringMatching(/rsi takes at most 1/) }],
    });
    const search = await http.post('/admin/models/search', {
      body: { symbol: 'ETH', features: [['logReturn'], ['logReturn', 'SOL/logReturn']] },
    });
    expect(search.status).toBe(400);
    expect(search.errorBody.details).toEqual([
      {
        field: 'features[1][1]',
        problem: expect.stringMatching(/market SOL is not in the catalogue/),
      },
    ]);
  });

  it('trains on BTC inputs and an indicator, stores them canonical, and serves live the forecast of the training rows', async () => {
    const response = await http.post('/admin/models/train', {
      body: { symbol: 'ETH', kind: 'linear', features: FEATURES, params: { lookback: 6 } },
    });
    expect(response.status).toBe(202);
    const result = jobResult(
      await jobInState(http, response.body.jobId, 'completed', {
        timeoutMs: 120_000,
        intervalMs: 100,
      }),
      JobName.TrainModel,
    );
    const model = (await http.get(`/models/${result.modelVersionId}`)).body;
    expect(model.features).toEqual(CANONICAL);
    // ETH follows BTC's last return: with BTC's return among its inputs the model beats
    // persistence with significance, and is promoted.
    expect(result.pValue).toBeLessThan(0.05);
    expect(result.status).toBe('production');
    const last = ETH[ETH.length - 1]!;
    const served = await waitFor(
      async () => {
        const body = (await http.get('/predict/ETH')).body;
        return body.model?.versionId === result.modelVersionId ? body : undefined;
      },
      { what: 'the live forecast of the model', timeoutMs: 20_000 },
    );
    expect(Date.parse(served.openTime)).toBe(last.openTime);
    // The live path reads only the newest candles of both markets (the inputs' seed: 619 for
    // the EMA, 434 for BTC's RSI, and the window); its rows are those of the whole history, so
    // its forecast is the one the training rows give.
    expect(featureSeedCandles(CANONICAL, HOUR_MS)).toBe(619);
    const offline = await offlineForecast(result.modelVersionId, last.openTime);
    expect(Math.abs(offline)).toBeGreaterThan(1e-5);
    expect(served.predictedReturn).toBeCloseTo(offline, 12);
  }, 150_000);

  it("predicts at a new candle once the other market's candle has closed too", async () => {
    await waitFor(async () => (sim.openConnections === 1 ? true : undefined), {
      what: 'the stream',
    });
    const btcNext = {
      ...BTC[BTC.length - 1]!,
      openTime: BTC[BTC.length - 1]!.openTime + HOUR_MS,
      close: BTC[BTC.length - 1]!.close * 1.01,
    };
    const ethNext = followingBtc(ETH[ETH.length - 1], [...BTC, btcNext], BTC.length);
    const dataSource = t.app.get(DataSource);
    // ETH closes first: its model has no BTC candle at that hour yet, so no forecast there.
    sim.append('ETHUSDT', '1h', ethNext);
    await sim.emit('ETHUSDT', '1h', ethNext, true);
    await waitFor(
      async () => {
        const [row] = await dataSource.query<{ actual_close: number | null }[]>(
          `SELECT actual_close FROM predictions WHERE symbol = 'ETHUSDT' AND target_time = to_timestamp($1 / 1000.0)`,
          [ethNext.openTime],
        );
        return row !== undefined && row.actual_close !== null ? true : undefined;
      },
      { what: 'the ETH candle to be handled (the last forecast realised)' },
    );
    // A negative check: given the time to predict, it made no forecast without BTC's candle.
    await sleep(500);
    const [made] = await dataSource.query<{ made: number }[]>(
      `SELECT count(*)::int AS made FROM predictions WHERE symbol = 'ETHUSDT' AND open_time = to_timestamp($1 / 1000.0)`,
      [ethNext.openTime],
    );
    expect(made?.made).toBe(0);
    // BTC's candle closes: the ETH model predicts at that hour, once.
    sim.append('BTCUSDT', '1h', btcNext);
    await sim.emit('BTCUSDT', '1h', btcNext, true);
    const served = await waitFor(
      async () => {
        const body = (await http.get('/predict/ETH')).body;
        return Date.parse(body.openTime) === ethNext.openTime ? body : undefined;
      },
      { what: 'the ETH forecast at the new hour' },
    );
    const offline = await offlineForecast(served.model!.versionId, ethNext.openTime);
    expect(served.predictedReturn).toBeCloseTo(offline, 12);
    const [predicted] = await dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM predictions WHERE symbol = 'ETHUSDT' AND open_time = to_timestamp($1 / 1000.0)`,
      [ethNext.openTime],
    );
    expect(predicted?.count).toBe(1);
  }, 60_000);

  it('searches over candidate input lists, records the inputs of each trial, and picks the one reading BTC', async () => {
    const started = await http.post('/admin/models/search', {
      body: {
        symbol: 'ETH',
        kinds: ['linear'],
        space: { linear: { lookback: [6] } },
        features: [
          ['logReturn', 'volumeZScore'],
          ['logReturn', 'volumeZScore', 'btc/logReturn'],
        ],
        trials: 4,
        folds: 0,
        seed: 3,
        testFrom: new Date(ETH[800]!.openTime).toISOString(),
      },
    });
    expect(started.status).toBe(202);
    const search = await waitFor(
      async () => {
        const body = (await http.get(`/models/searches/${started.body.searchId}`)).body;
        if (body.status === 'failed') {
          throw new Error(`search failed: ${JSON.stringify(body)}`);
        }
        return body.status === 'completed' ? body : undefined;
      },
      { what: 'the search', timeoutMs: 120_000, intervalMs: 200 },
    );
    expect(search.request.features).toEqual([
      ['logReturn', 'volumeZScore'],
      ['logReturn', 'volumeZScore', 'BTC/logReturn'],
    ]);
    const { trials } = search;
    expect(new Set(trials.map((trial) => trial.features.length))).toEqual(new Set([2, 3]));
    for (const trial of trials) {
      expect(trialMetrics(trial)!.features).toEqual(trial.features);
    }
    const reading = trials.filter((trial) => trial.features.includes('BTC/logReturn'));
    const notReading = trials.filter((trial) => !trial.features.includes('BTC/logReturn'));
    expect(Math.max(...reading.map((trial) => trial.score!))).toBeLessThan(
      Math.min(...notReading.map((trial) => trial.score!)),
    );
    const best = bestOf(search);
    expect(best.features).toEqual(['logReturn', 'volumeZScore', 'BTC/logReturn']);
    expect(best.test.split.versusPersistence.pValue).toBeLessThan(0.05);
  }, 150_000);
});
