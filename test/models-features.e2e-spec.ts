import { join } from 'node:path';
import { JobName } from '../src/queue/queue.catalogue';
import { FearGreedImportService } from '../src/sentiment/import/fear-greed-import.service';
import { fieldProblems, jobInState, jobResult } from './support/api';
import type { LiveMarket } from './support/live-market-fixtures';
import {
  openModelsMarket,
  servedPrediction,
  trainedJob,
  trainingMetrics,
} from './support/models-fixtures';

describe('models: the inputs a model reads (sentiment, a chosen subset) and its kind', () => {
  let market: LiveMarket;
  /** The sentiment series covering the fixture's candles, imported before any test. */
  let imported: { inserted: number };

  beforeAll(async () => {
    market = await openModelsMarket('mfeat');
    imported = await market.t.app
      .get(FearGreedImportService)
      .import(join(__dirname, 'fixtures', 'sentiment', 'fear-greed-2022-08-15_2022-10-01.csv'));
  }, 60_000);
  afterAll(async () => {
    await market.close();
  });

  it('adds sentiment to the inputs when a series covers the training candles, and still serves', async () => {
    const { http } = market;
    expect(imported.inserted).toBe(48);
    const { result } = await trainedJob(http);
    const model = (await http.get(`/models/${result.modelVersionId}`)).body;
    expect(model.features).toContain('sentiment');
    expect(model.params.sentimentSource).toBe('fear-greed');
    const prediction = await servedPrediction(http, {
      result,
      what: 'a prediction of the model with sentiment',
    });
    expect(Number.isFinite(prediction.predictedReturn)).toBe(true);
  }, 120_000);

  it('trains a linear model through the queue, records its kind, serves it, and refuses an unknown kind', async () => {
    const { http } = market;
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
    const job = await jobInState(http, jobId, 'completed', {
      timeoutMs: 120_000,
      intervalMs: 100,
      what: `linear training job ${jobId}`,
    });
    const result = jobResult(job, JobName.TrainModel);
    expect(result.epochs).toBe(1);
    const model = (await http.get(`/models/${result.modelVersionId}`)).body;
    expect(model.kind).toBe('linear');
    // Stored in the order asked for (canonical form), sentiment last.
    expect(model.features).toEqual(['rsi', 'logReturn', 'volumeZScore', 'sentiment']);
    expect(model.params.l2).toBe(10);
    expect(trainingMetrics(model).walkForward.folds).toHaveLength(3);
    const prediction = await servedPrediction(http, {
      result,
      what: 'a prediction of the linear model',
    });
    expect(Number.isFinite(prediction.predictedReturn)).toBe(true);
  }, 150_000);
});
