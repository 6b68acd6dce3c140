import request from 'supertest';
import { jobInState } from './support/api';
import { CANDLES, HOUR_MS, type LiveMarket } from './support/live-market-fixtures';
import { TINY, openModelsMarket, trainedJob, trainingMetrics } from './support/models-fixtures';
import { waitFor } from './support/wait-for';

describe('models: training through the queue, with progress, metrics and cancellation', () => {
  let market: LiveMarket;

  beforeAll(async () => {
    market = await openModelsMarket('mtrain');
  }, 60_000);
  afterAll(async () => {
    await market.close();
  });

  it('trains through the queue with progress, registers the version with metrics, and serves /predict', async () => {
    const { http, t } = market;
    const { result, progress } = await trainedJob(http);
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
  }, 150_000);

  it('cancels a running training: the job fails as cancelled and the version is marked failed', async () => {
    const { http } = market;
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
    const job = await jobInState(http, jobId, 'failed', {
      what: 'the cancelled job',
      timeoutMs: 30_000,
    });
    expect(job.error).toMatch(/cancelled/);
    const failed = (await http.get('/models?symbol=BTC&status=failed')).body;
    expect(failed.find((m) => m.jobId === jobId)?.error).toMatch(/cancelled/i);
  }, 60_000);
});
