import { intervalMs } from '../../market-data/market-catalogue';
import { bestTrial, planTrials, type TrialPlan } from '../engine/model-search';
import type { resolveSearchSpace } from '../engine/model-search-space';
import { NotEnoughDataError } from '../engine/model-training';
import { loadTensorFlow, type TfBackend } from '../engine/tf-backend';
import type { TrainingOutcome } from '../engine/training-pipeline';
import { sourceModelInputs, type CandleSource, type WithApp } from '../in-process-inputs';
import type { ModelSearchDto } from './dto/model-search.dto';
import type { SearchOutcome, SearchRequest } from './model-search.entity';
import { searchDto } from './model-search.service';
import { evaluateBestTrial, scoreTrial, type TrialRecord } from './search-steps';

/** A search to run in this process: its space checked, its market or CSV to read. */
export interface InProcessSearchRequest {
  source: CandleSource;
  space: ReturnType<typeof resolveSearchSpace>;
  trials: number;
  folds: number;
  seed: number;
  horizons: number[];
  /** First candle of the test part; default: the last 20%. */
  testFrom?: number;
}

/** What an in-process search reports as it goes. */
export interface InProcessSearchProgress {
  onTrialStart?: (plan: TrialPlan, total: number, backend: string) => void;
  onTrialEnd?: (trial: TrialRecord) => void;
  onEvaluating?: (trialIndex: number) => void;
}

/**
 * The search of `POST /admin/models/search` run in this process (no queue, no worker), on a
 * stored market or a candle CSV, with the steps its jobs run (scoreTrial, evaluateBestTrial):
 * trials on the candles before the test part only, then the best evaluated once on the rest.
 * Every trial's failure is recorded (nothing retries it here).
 */
export async function searchInProcess(
  request: InProcessSearchRequest,
  env: InProcessSearchProgress & { withApp: WithApp; tfBackend?: TfBackend },
): Promise<{
  /** The shape of GET /models/searches/:id. */
  search: ModelSearchDto;
  best?: SearchOutcome;
  /** The best trial's evaluation on the test part. */
  evaluation?: TrainingOutcome['evaluation'];
}> {
  const { space, source } = request;
  // Every market any candidate reads; a trial computes only the inputs it drew.
  const { candles, sentiment, markets } = await sourceModelInputs(env.withApp, source, [
    ...new Set(space.features.flat()),
  ]);
  const first = candles[0];
  const last = candles[candles.length - 1];
  if (!first || !last) {
    throw new NotEnoughDataError('no candles to search on');
  }
  const testFrom = request.testFrom ?? candles[Math.floor(candles.length * 0.8)]!.openTime;
  const training = candles.filter((candle) => candle.openTime < testFrom);
  const trainingMarkets = new Map(
    [...markets].map(([base, other]) => [
      base,
      other.filter((candle) => candle.openTime < testFrom),
    ]),
  );
  const searched: SearchRequest = {
    kinds: space.kinds,
    space: space.space,
    trials: request.trials,
    folds: request.folds,
    seed: request.seed,
    horizons: request.horizons,
    features: space.features,
  };
  const plans = planTrials({ ...space, trials: request.trials, seed: request.seed });
  const { tf, backend } = await loadTensorFlow(env.tfBackend);
  const step = intervalMs(source.interval);
  const trials: TrialRecord[] = [];
  const createdAt = new Date();
  for (const plan of plans) {
    env.onTrialStart?.(plan, plans.length, backend);
    const trial = await scoreTrial({
      tf,
      trainingCandles: training,
      intervalMs: step,
      plan,
      folds: request.folds,
      horizons: request.horizons,
      // The training candles are a prefix of the candles, so of the column too.
      sentiment: sentiment && {
        source: sentiment.source,
        values: sentiment.values.slice(0, training.length),
      },
      markets: trainingMarkets,
      // Nothing retries a trial here: every failure is recorded, as a failed trial.
      recorded: (_error: unknown): _error is Error => true,
    });
    trials.push(trial);
    env.onTrialEnd?.(trial);
  }
  const best = bestTrial(trials);
  let evaluated: Awaited<ReturnType<typeof evaluateBestTrial>> | undefined;
  if (best && best.score !== null) {
    env.onEvaluating?.(best.index);
    evaluated = await evaluateBestTrial({
      tf,
      best: { ...best, score: best.score },
      features: plans[best.index]!.features,
      candles,
      intervalMs: step,
      testFrom,
      folds: request.folds,
      horizons: request.horizons,
      sentiment,
      markets,
    });
  }
  const search = searchDto(
    {
      id: 'cli',
      symbol: source.csv ?? source.symbol ?? 'BTC',
      interval: source.interval,
      status: evaluated ? 'completed' : 'failed',
      request: searched,
      dataFrom: new Date(first.openTime),
      testFrom: new Date(testFrom),
      dataTo: new Date(last.openTime),
      trialsTotal: plans.length,
      trialsDone: trials.length,
      best: evaluated?.best ?? null,
      error: evaluated ? null : `every one of its ${trials.length} trials failed`,
      createdAt,
      finishedAt: new Date(),
    },
    trials,
    source.symbol ?? 'BTC',
  );
  return { search, best: evaluated?.best, evaluation: evaluated?.outcome.evaluation };
}
