import type { TrainingOutcome } from '../../src/models/engine/training-pipeline';
import type { ModelVersionMetrics } from '../../src/models/model-version.entity';
import type { SearchOutcome, TrialMetrics } from '../../src/models/search/model-search.entity';
import { JobName } from '../../src/queue/queue.catalogue';
import { jobResult, type Api, type Schema } from './api';
import { LiveMarket } from './live-market-fixtures';
import { waitFor } from './wait-for';

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

export function trainingMetrics(model: Schema<'ModelDto'>): TrainingMetrics {
  return model.metrics as unknown as TrainingMetrics;
}

/** A model version's metrics as the service stores them (free-form in the contract). */
export function modelMetrics(model: Schema<'ModelDto'>): ModelVersionMetrics | null {
  return (model.metrics ?? null) as unknown as ModelVersionMetrics | null;
}

/** The best trial of a search with its one evaluation on the test part (free-form in the contract). */
export type SearchBest = Omit<SearchOutcome, 'test'> & {
  test: { split: TrainingOutcome['evaluation']; forecast: TrainingOutcome['forecast'] };
};

export function bestOf(search: Schema<'ModelSearchDto'>): SearchBest {
  if (!search.best) {
    throw new Error(`Search ${search.id} has no best trial (${search.status})`);
  }
  return search.best as unknown as SearchBest;
}

/** What a trial's metrics hold (free-form in the contract). */
export function trialMetrics(trial: Schema<'SearchTrialDto'>): TrialMetrics | null {
  return (trial.metrics ?? null) as unknown as TrialMetrics | null;
}

/** A model small enough to train in seconds. */
export const TINY = { layers: 1, units: 8, lookback: 8, epochs: 3, batchSize: 64, patience: 0 };

/** The live BTC market of a models suite (models trained on 1h). */
export function openModelsMarket(label: string): Promise<LiveMarket> {
  return LiveMarket.open({ label, env: { MODEL_INTERVALS: '1h' } });
}

/** Trains a BTC 1h model through the queue; its job's result and the progress polled. */
export async function trainedJob(http: Api, params: object = TINY) {
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

/**
 * The first /predict/BTC answer of a trained model, made production first when it is a candidate
 * (promoted by hand: a tiny model may not beat persistence).
 */
export async function servedPrediction(
  http: Api,
  params: { result: { status: string; modelVersionId: string }; what: string },
) {
  const { status, modelVersionId } = params.result;
  if (status === 'candidate') {
    expect((await http.post(`/admin/models/${modelVersionId}/promote`)).status).toBe(200);
  }
  return waitFor(
    async () => {
      const body = (await http.get('/predict/BTC')).body;
      return body.model?.versionId === modelVersionId ? body : undefined;
    },
    { what: params.what, timeoutMs: 20_000 },
  );
}

/** A trained BTC model made production and serving /predict; its version id. */
export async function productionModel(http: Api, params: object = TINY): Promise<string> {
  const { result } = await trainedJob(http, params);
  await servedPrediction(http, { result, what: 'the prediction of the production model' });
  return result.modelVersionId;
}
