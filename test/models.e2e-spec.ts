import { join } from 'node:path';
import Redis from 'ioredis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { Candle } from '../src/market-data/candle';
import { RetrainModelsProcessor } from '../src/models/jobs/retrain-models.processor';
import { FearGreedImportService } from '../src/sentiment/import/fear-greed-import.service';
import { readCandleCsv } from '../src/simulator/candle-series';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { JobName } from '../src/queue/queue.catalogue';
import { api, fieldProblems, jobResult, type Api, type Schema } from './support/api';
import { REDIS_URL, databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { sleep, waitFor } from './support/wait-for';

const HOUR_MS = 3_600_000;
const CANDLES = readCandleCsv(
  join(__dirname, 'fixtures', 'klines', 'BTCUSDT-1h-2022-08-20_2022-09-30.csv'),
);
/** What a trained version's metrics hold (the contract leaves `metrics` free-form). */
interface TrainingMetrics {
  split: {
    model: { count: number; mae: number };
    persistence: { count: number };
    versusPersistence: { pValue: number };
  };
  walkForward: { folds: unknown[] };
  calibration: { source: string; horizons: { horizon: number; shrinkage: number }[] };
  forecast: { horizon: number; point: { versusPersistence: { pValue: number } } }[];
}

function trainingMetrics(model: Schema<'ModelDto'>): TrainingMetrics {
  return model.metrics as unknown as TrainingMetrics;
}

const TINY = { layers: 1, units: 8, lookback: 8, epochs: 3, batchSize: 64, patience: 0 };

describe('LSTM models: training through the queue, registry, promotion, /predict and live predictions', () => {
  let sim: ExchangeSimulator;
  let t: TestApp;
  const database = databaseUrl(scratchName('models'));
  const prefix = scratchName('models');
  const env = () => ({
    DATABASE_URL: database,
    REDIS_PREFIX: prefix,
    SYMBOLS: 'BTC',
    INTERVALS: '1h',
    MODEL_INTERVALS: '1h',
    EXCHANGE: 'binance',
    EXCHANGE_REST_URL: sim.restUrl,
    EXCHANGE_WS_URL: sim.wsUrl,
    BACKFILL_FROM: new Date(CANDLES[0]!.openTime).toISOString(),
    LIVE_STREAM: 'true',
  });
  let http: Api;

  async function trainedJob(params: object = TINY) {
    const response = await http.post('/admin/models/train', {
      body: { symbol: 'BTC', interval: '1h', params },
    });
    expect(response.status).toBe(202);
    const jobId = response.body.jobId;
    const progress: unknown[] = [];
    const job = await waitFor(
      async () => {
        const body = (await http.get(`/jobs/${jobId}`)).body;
        if (body.progress && typeof body.progress === 'object') {
          progress.push(body.progress);
        }
        if (body.state === 'failed') {
          throw new Error(`training failed: ${body.error}`);
        }
        return body.state === 'completed' ? body : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 100, what: `training job ${jobId}` },
    );
    return { jobId, result: jobResult(job, JobName.TrainModel), progress };
  }

  beforeAll(async () => {
    sim = await ExchangeSimulator.start({ speed: 0 });
    sim.load('BTCUSDT', '1h', CANDLES);
    t = await startTestApp({ worker: true, env: env() });
    http = api(t, { key: t.adminKey });
    await waitFor(
      async () =>
        (await http.get('/markets')).body[0]?.count === CANDLES.length ? true : undefined,
      {
        what: 'the backfill of the fixture',
        timeoutMs: 30_000,
      },
    );
  }, 60_000);
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('serves the baseline forecast, labelled as such, before any model exists', async () => {
    const baseline = await waitFor(
      async () => {
        const response = await http.get('/predict/BTC');
        return response.status === 200 ? response.body : undefined;
      },
      { what: 'the baseline forecast after the backfill', timeoutMs: 20_000 },
    );
    const last = CANDLES[CANDLES.length - 1]!;
    expect(baseline).toMatchObject({
      kind: 'baseline',
      model: null,
      horizon: 1,
      predictedReturn: 0,
      lastClose: last.close,
      predictedClose: last.close,
    });
    expect(Date.parse(baseline.openTime)).toBe(last.openTime);
    const { horizons } = baseline;
    expect(horizons.map((h) => h.horizon)).toEqual([1, 4, 24]);
    for (const h of horizons) {
      expect(Date.parse(h.targetTime)).toBe(last.openTime + h.horizon * HOUR_MS);
      expect(h.lower).toBeLessThan(h.upper);
      expect(h.lowerClose).toBeCloseTo(last.close * Math.exp(h.lower), 6);
      expect(h.upperClose).toBeCloseTo(last.close * Math.exp(h.upper), 6);
      expect(h.volatility).toBeGreaterThan(0);
      expect(h.probabilityUp).toBeGreaterThan(0);
      expect(h.probabilityUp).toBeLessThan(1);
      expect(h.shrinkage).toBeNull();
      // Its record: its last 500 forecasts with a known outcome, each from the candles before it.
      const ends = Array.from({ length: 500 }, (_, i) => CANDLES.length - 1 - h.horizon - i);
      const mae =
        ends.reduce(
          (sum, end) => sum + Math.abs(CANDLES[end + h.horizon]!.close - CANDLES[end]!.close),
          0,
        ) / ends.length;
      expect(h.test).toMatchObject({ count: 500, pValue: 1 });
      expect(h.test!.mae).toBeCloseTo(mae, 6);
      expect(h.test!.persistenceMae).toBe(h.test!.mae);
      expect(h.test!.coverage).toBeGreaterThan(0.6);
      expect(h.test!.coverage).toBeLessThan(0.95);
      expect(h.test!.brier).toBeGreaterThan(0);
    }
    // Wider bands further out.
    expect(horizons[2]!.upper - horizons[2]!.lower).toBeGreaterThan(
      horizons[0]!.upper - horizons[0]!.lower,
    );
  });

  it('trains through the queue with progress, registers the version with metrics, and serves /predict', async () => {
    const { result, progress } = await trainedJob();
    // Progress is reported per epoch (polled, so which epochs are seen depends on timing).
    expect(progress.some((p) => ((p as { epoch?: number }).epoch ?? 0) >= 1)).toBe(true);
    expect(progress[0]).toEqual(
      expect.objectContaining({
        loss: expect.any(Number),
        samplesPerSecond: expect.any(Number),
        etaMs: expect.any(Number),
      }),
    );
    const model = (await http.get(`/models/${result.modelVersionId}`)).body;
    const metrics = trainingMetrics(model);
    expect(model.status).toBe(result.status);
    expect(model.backend).toMatch(/^(wasm|cpu|tensorflow)$/);
    expect(metrics.split.model.count).toBe(metrics.split.persistence.count);
    expect(metrics.split.model.mae).toBeCloseTo(result.testMae, 10);
    expect(metrics.walkForward.folds).toHaveLength(3);
    // Calibrated on the walk-forward folds of the training part, scored per horizon.
    expect(metrics.calibration.source).toBe('walk-forward');
    const calibration = metrics.calibration.horizons;
    expect(calibration.map((h) => h.horizon)).toEqual([1, 4, 24]);
    for (const h of calibration) {
      expect(h.shrinkage).toBeGreaterThanOrEqual(0);
      expect(h.shrinkage).toBeLessThanOrEqual(h.horizon);
    }
    const scores = metrics.forecast;
    expect(scores.map((h) => h.horizon)).toEqual([1, 4, 24]);
    expect(metrics.split.versusPersistence.pValue).toBeCloseTo(result.pValue, 12);
    expect(result.pValue).toBeGreaterThan(0);
    expect(result.pValue).toBeLessThanOrEqual(1);
    if (result.status === 'candidate') {
      // It did not beat persistence with significance: promotion is the admin's call, and the
      // market keeps serving the baseline.
      expect(result.promotion).toMatch(/does not beat persistence with significance/);
      expect((await http.get('/predict/BTC')).body.kind).toBe('baseline');
      expect((await http.post(`/admin/models/${result.modelVersionId}/promote`)).status).toBe(200);
    } else {
      expect(result.testMae).toBeLessThan(result.persistenceMae);
      expect(result.pValue).toBeLessThan(0.05);
    }
    const prediction = await waitFor(
      async () => {
        const response = await http.get('/predict/BTC');
        return response.body.kind === 'model' ? response.body : undefined;
      },
      { what: 'a served prediction', timeoutMs: 20_000 },
    );
    expect(prediction.horizons.map((h) => h.horizon)).toEqual([1, 4, 24]);
    for (const h of prediction.horizons) {
      expect(h.shrinkage).toBe(calibration.find((c) => c.horizon === h.horizon)!.shrinkage);
      expect(h.lower).toBeLessThan(h.upper);
      expect(h.test!.pValue).toBe(
        scores.find((c) => c.horizon === h.horizon)!.point.versusPersistence.pValue,
      );
      expect(h.test!.coverage).toBeGreaterThan(0);
    }
    const last = CANDLES[CANDLES.length - 1]!;
    expect(Date.parse(prediction.openTime)).toBe(last.openTime);
    expect(Date.parse(prediction.targetTime)).toBe(last.openTime + HOUR_MS);
    expect(prediction.lastClose).toBe(last.close);
    expect(prediction.predictedClose).toBeCloseTo(
      last.close * Math.exp(prediction.predictedReturn),
      6,
    );
    expect(prediction.probabilityUp).toBeGreaterThan(0);
    expect(prediction.probabilityUp).toBeLessThan(1);
    expect(prediction.model).toMatchObject({
      versionId: result.modelVersionId,
      stale: false,
      liveCount: 0,
    });
    expect(prediction.model?.testMae).toBeCloseTo(result.testMae, 10);
    // The health answer is not in the typed contract (terminus' shape).
    const health = await request(t.url).get('/health').set('x-api-key', t.adminKey);
    expect(health.body.tensorflow.backend).toBe(model.backend);
  });

  it('predicts on every closed candle, publishes prediction.updated, and records the realised error', async () => {
    const subscriber = new Redis(REDIS_URL);
    const events: { openTime: number }[] = [];
    await subscriber.subscribe(`${prefix}:events:prediction.updated`);
    subscriber.on('message', (_channel: string, message: string) =>
      events.push(JSON.parse(message) as { openTime: number }),
    );
    try {
      const last = CANDLES[CANDLES.length - 1]!;
      const next: Candle = {
        ...last,
        openTime: last.openTime + HOUR_MS,
        open: last.close,
        close: last.close * 1.002,
        high: last.close * 1.004,
        low: last.close * 0.999,
      };
      await waitFor(async () => (sim.openConnections === 1 ? true : undefined), {
        what: 'the stream',
      });
      sim.append('BTCUSDT', '1h', next);
      await sim.emit('BTCUSDT', '1h', next, true);
      const prediction = await waitFor(
        async () => {
          const body = (await http.get('/predict/BTC')).body;
          return Date.parse(body.openTime) === next.openTime ? body : undefined;
        },
        { what: 'the prediction at the new candle' },
      );
      // The prediction made at the previous candle targeted this one: its error is now known.
      expect(prediction.model?.liveCount).toBe(1);
      expect(prediction.model?.livePersistenceMae).toBeCloseTo(
        Math.abs(next.close - last.close),
        6,
      );
      expect(events.some((event) => event.openTime === next.openTime)).toBe(true);
      // The stored row keeps the whole forecast, every horizon, as it was served.
      const [row] = await t.app
        .get(DataSource)
        .query<{ horizons: { horizon: number; lower: number; upper: number }[] }[]>(
          `SELECT horizons FROM predictions WHERE symbol = 'BTCUSDT' AND open_time = to_timestamp($1 / 1000.0)`,
          [next.openTime],
        );
      expect(row!.horizons.map((h) => h.horizon)).toEqual([1, 4, 24]);
      expect(row!.horizons[2]!.upper).toBeCloseTo(prediction.horizons[2]!.upper, 12);
      // Delivered twice: still one prediction row for that candle.
      await sim.emit('BTCUSDT', '1h', next, true);
      // The point is that nothing more happens: give the repeat time to be processed, then count.
      await sleep(300);
      expect(events.filter((event) => event.openTime === next.openTime)).toHaveLength(1);
    } finally {
      subscriber.disconnect();
    }
  });

  it('promotes by the rules, rolls back to an earlier version, and retiring production falls back to the baseline', async () => {
    const first = (await http.get('/models?symbol=BTC&status=production')).body[0]!;
    const second = await trainedJob({ ...TINY, units: 12 });
    if (second.result.status === 'candidate') {
      expect(second.result.promotion).toMatch(/does not beat/);
      expect(
        (await http.post(`/admin/models/${second.result.modelVersionId}/promote`)).status,
      ).toBe(200);
    }
    const models = (await http.get('/models?symbol=BTC')).body;
    expect(models.find((m) => m.id === second.result.modelVersionId)?.status).toBe('production');
    expect(models.find((m) => m.id === first.id)?.status).toBe('retired');
    expect(models.filter((m) => m.status === 'production')).toHaveLength(1);
    // A promotion recomputes the latest prediction at once.
    await waitFor(
      async () =>
        (await http.get('/predict/BTC')).body.model?.versionId === second.result.modelVersionId
          ? true
          : undefined,
      {
        what: 'the prediction of the promoted model',
      },
    );
    // Roll back.
    expect((await http.post(`/admin/models/${first.id}/promote`)).body.status).toBe('production');
    await waitFor(
      async () =>
        (await http.get('/predict/BTC')).body.model?.versionId === first.id ? true : undefined,
      {
        what: 'the prediction of the rolled-back model',
      },
    );
    expect((await http.post(`/admin/models/${first.id}/promote`)).status).toBe(409);
    expect((await http.post(`/admin/models/${first.id}/retire`)).body.status).toBe('retired');
    // Without a production model the market falls back to the baseline, labelled as such.
    await waitFor(
      async () => ((await http.get('/predict/BTC')).body.kind === 'baseline' ? true : undefined),
      { what: 'the baseline after the retirement' },
    );
    expect((await http.post(`/admin/models/${first.id}/retire`)).status).toBe(409);
    // A version that never finished training (failed, or cancelled) can be neither retired nor
    // promoted: it has no stored model, and making it production would leave the market serving
    // nothing while the old production model was retired.
    const dataSource = t.app.get(DataSource);
    const [failed] = await dataSource.query<{ id: string }[]>(
      `INSERT INTO model_versions (exchange, symbol, interval, status, params, features, error)
       VALUES ('binance', 'BTCUSDT', '1h', 'failed', '{}', '[]', 'cancelled') RETURNING id`,
    );
    const [neverTrained] = await dataSource.query<{ id: string }[]>(
      `INSERT INTO model_versions (exchange, symbol, interval, status, params, features)
       VALUES ('binance', 'BTCUSDT', '1h', 'retired', '{}', '[]') RETURNING id`,
    );
    const refusedRetire = await http.post(`/admin/models/${failed!.id}/retire`);
    expect(refusedRetire.status).toBe(409);
    expect(refusedRetire.errorBody.message).toContain('is failed');
    expect((await http.post(`/admin/models/${failed!.id}/promote`)).status).toBe(409);
    const refusedPromote = await http.post(`/admin/models/${neverTrained!.id}/promote`);
    expect(refusedPromote.status).toBe(409);
    expect(refusedPromote.errorBody.message).toContain('never finished training');
    await dataSource.query(`DELETE FROM model_versions WHERE id IN ($1, $2)`, [
      failed!.id,
      neverTrained!.id,
    ]);
    // Back to serving for the next tests.
    expect((await http.post(`/admin/models/${second.result.modelVersionId}/promote`)).status).toBe(
      200,
    );
  }, 180_000);

  it('after a restart loads the production model from PostgreSQL and answers without retraining', async () => {
    const before = (await http.get('/models?symbol=BTC')).body.length;
    const production = (await http.get('/models?symbol=BTC&status=production')).body[0]!;
    await t.close();
    const redis = new Redis(REDIS_URL);
    await redis.del(`${prefix}:predictions:latest:binance:BTCUSDT:1h`);
    redis.disconnect();
    t = await startTestApp({ worker: true, env: env() });
    http = api(t, { key: t.adminKey });
    const prediction = await waitFor(
      async () => {
        const response = await http.get('/predict/BTC');
        return response.body.kind === 'model' ? response.body : undefined;
      },
      { what: 'a prediction after the restart', timeoutMs: 20_000 },
    );
    expect(prediction.model?.versionId).toBe(production.id);
    expect((await http.get('/models?symbol=BTC')).body).toHaveLength(before);
  }, 60_000);

  it('cancels a running training: the job fails as cancelled and the version is marked failed', async () => {
    const response = await http.post('/admin/models/train', {
      body: {
        symbol: 'BTC',
        params: { ...TINY, epochs: 500 },
      },
    });
    const jobId = response.body.jobId;
    await waitFor(
      async () => {
        const { progress } = (await http.get(`/jobs/${jobId}`)).body;
        return typeof progress === 'object' && (progress.epoch ?? 0) >= 1 ? true : undefined;
      },
      {
        what: 'the training to run',
        timeoutMs: 30_000,
      },
    );
    expect((await http.post(`/admin/models/train/${jobId}/cancel`)).body.state).toBe('cancelling');
    const job = await waitFor(
      async () => {
        const body = (await http.get(`/jobs/${jobId}`)).body;
        return body.state === 'failed' ? body : undefined;
      },
      { what: 'the cancelled job', timeoutMs: 30_000 },
    );
    expect(job.error).toMatch(/cancelled/);
    const failed = (await http.get('/models?symbol=BTC&status=failed')).body;
    expect(failed.find((m) => m.jobId === jobId)?.error).toMatch(/cancelled/i);
  }, 60_000);

  it('fails a version whose training job is gone, so the market can train again', async () => {
    // A worker was killed mid-training and its job then removed: the row stayed 'training'.
    const dataSource = t.app.get(DataSource);
    const ghostJob = `train-model.ghost-${Date.now()}`;
    const [orphan] = await dataSource.query<{ id: string }[]>(
      `INSERT INTO model_versions (exchange, symbol, interval, status, params, features, job_id)
       VALUES ('binance', 'BTCUSDT', '1h', 'training', '{}', '[]', $1) RETURNING id`,
      [ghostJob],
    );
    await t.app.get(RetrainModelsProcessor).process();
    const version = (await http.get(`/models/${orphan!.id}`)).body;
    expect(version.status).toBe('failed');
    expect(version.error).toContain(`its training job ${ghostJob} ended (removed)`);
    await dataSource.query(`DELETE FROM model_versions WHERE id = $1`, [orphan!.id]);
  });

  it('adds sentiment to the inputs when a series covers the training candles, and still serves', async () => {
    const imported = await t.app
      .get(FearGreedImportService)
      .import(join(__dirname, 'fixtures', 'sentiment', 'fear-greed-2022-08-15_2022-10-01.csv'));
    expect(imported.inserted).toBe(48);
    const { result } = await trainedJob();
    const model = (await http.get(`/models/${result.modelVersionId}`)).body;
    expect(model.features).toContain('sentiment');
    expect(model.params.sentimentSource).toBe('fear-greed');
    if (result.status === 'candidate') {
      expect((await http.post(`/admin/models/${result.modelVersionId}/promote`)).status).toBe(200);
    }
    const prediction = await waitFor(
      async () => {
        const body = (await http.get('/predict/BTC')).body;
        return body.model?.versionId === result.modelVersionId ? body : undefined;
      },
      { what: 'a prediction of the model with sentiment', timeoutMs: 20_000 },
    );
    expect(Number.isFinite(prediction.predictedReturn)).toBe(true);
  }, 120_000);

  it('refuses bad input with 4xx naming the field', async () => {
    const bad = await http.post('/admin/models/train', {
      body: {
        symbol: 'BTC',
        params: { units: 0, dropout: 2, wings: 3 },
      },
    });
    expect(bad.status).toBe(400);
    const fields = fieldProblems(bad.errorBody)
      .map((d) => d.field)
      .sort();
    expect(fields).toEqual(['params.dropout', 'params.units', 'params.wings']);
    expect((await http.post('/admin/models/train', { body: { symbol: 'DOGE' } })).status).toBe(404);
    expect((await http.get('/models/not-a-uuid')).status).toBe(400);
    expect((await http.get('/models/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await http.get('/predict/BTC?interval=7m')).status).toBe(400);
    const client = await http.post('/admin/models/train', { body: { symbol: 'BTC' }, key: null });
    expect(client.status).toBe(401);
  });

  it('trains a linear model through the queue, records its kind, serves it, and refuses an unknown kind', async () => {
    const unknown = await http.post('/admin/models/train', {
      rawBody: { symbol: 'BTC', kind: 'svm' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.errorBody.details).toEqual([
      { field: 'kind', problem: 'must be one of lstm, gru, linear' },
    ]);
    const badInputs = await http.post('/admin/models/train', {
      body: {
        symbol: 'BTC',
        features: ['rsi', 'vibes'],
      },
    });
    expect(badInputs.status).toBe(400);
    expect(fieldProblems(badInputs.errorBody)[0]?.field).toBe('features[1]');
    const response = await http.post('/admin/models/train', {
      body: {
        symbol: 'BTC',
        interval: '1h',
        kind: 'linear',
        // A chosen subset of the inputs (sentiment joins by itself: a series covers the candles).
        features: ['rsi', 'logReturn', 'volumeZScore'],
        params: { lookback: 8, l2: 10 },
      },
    });
    expect(response.status).toBe(202);
    const jobId = response.body.jobId;
    const job = await waitFor(
      async () => {
        const body = (await http.get(`/jobs/${jobId}`)).body;
        if (body.state === 'failed') {
          throw new Error(`training failed: ${body.error}`);
        }
        return body.state === 'completed' ? body : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 100, what: `linear training job ${jobId}` },
    );
    const result = jobResult(job, JobName.TrainModel);
    expect(result.epochs).toBe(1);
    const model = (await http.get(`/models/${result.modelVersionId}`)).body;
    expect(model.kind).toBe('linear');
    // Stored in the order asked for (canonical form), sentiment last.
    expect(model.features).toEqual(['rsi', 'logReturn', 'volumeZScore', 'sentiment']);
    expect(model.params.l2).toBe(10);
    expect(trainingMetrics(model).walkForward.folds).toHaveLength(3);
    if (result.status === 'candidate') {
      expect((await http.post(`/admin/models/${result.modelVersionId}/promote`)).status).toBe(200);
    }
    // The live path loads it from its artifact and predicts with it.
    const prediction = await waitFor(
      async () => {
        const body = (await http.get('/predict/BTC')).body;
        return body.model?.versionId === result.modelVersionId ? body : undefined;
      },
      { what: 'a prediction of the linear model', timeoutMs: 20_000 },
    );
    expect(Number.isFinite(prediction.predictedReturn)).toBe(true);
  }, 150_000);
});
