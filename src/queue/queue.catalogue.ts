import type { JobsOptions, WorkerOptions } from 'bullmq';
import type { AppConfigValues } from '../config/config.schema';
import type { BackfillOutcome } from '../market-data/sync/candle-sync.service';
import type { ModelKind } from '../models/engine/model-kind';

/**
 * Every queue and every job of the service, in one place: names, payload types tied to job names,
 * and default options. A worker refuses to start when a job listed here has no processor.
 */
export enum QueueName {
  Maintenance = 'maintenance',
  MarketData = 'market-data',
  Sentiment = 'sentiment',
  Training = 'training',
  Backtests = 'backtests',
  Webhooks = 'webhooks',
}

export enum JobName {
  CleanQueues = 'clean-queues',
  Backfill = 'backfill',
  RepairGaps = 'repair-gaps',
  SentimentPoll = 'sentiment-poll',
  TrainModel = 'train-model',
  RetrainModels = 'retrain-models',
  RunBacktest = 'run-backtest',
  SearchTrial = 'search-trial',
  FinishSearch = 'finish-search',
  DeliverWebhook = 'deliver-webhook',
  SweepWebhooks = 'sweep-webhooks',
}

interface JobPayloads {
  [JobName.CleanQueues]: {
    /** Finished jobs older than this are removed. */
    graceMs: number;
    /** At most this many jobs per queue and state in one run. */
    limitPerState: number;
  };
  [JobName.Backfill]: {
    /** Base asset, `BTC`. */
    symbol: string;
    interval: string;
    /** First open time wanted (epoch ms); moves forward as pages land, so a resumed job continues. */
    from: number;
    /** Last open time wanted (epoch ms); null = up to the last closed candle when the job runs. */
    to: number | null;
    /** Why the job exists: `start-up`, `admin`, `stream-reconnect`, ... */
    reason: string;
  };
  [JobName.RepairGaps]: {
    /** One market, or every configured market when omitted. */
    symbol?: string;
    interval?: string;
    /** Re-check known gaps even when they are confirmed or not due. */
    force?: boolean;
  };
  [JobName.SentimentPoll]: {
    /** `lunarcrush` or `fear-greed`. */
    source: 'lunarcrush' | 'fear-greed';
  };
  [JobName.TrainModel]: {
    /** Base asset, `BTC`. */
    symbol: string;
    interval: string;
    /** The kind of model (`lstm`, `gru`, `linear`); omitted: lstm. */
    kind?: ModelKind;
    /** Inputs per candle (default: all); sentiment joins by itself where covered. */
    features?: string[];
    /** Hyperparameters; omitted ones take their defaults. */
    params?: Record<string, number>;
    /** Why: `admin`, `schedule`, `first-start`. */
    reason: string;
  };
  [JobName.RetrainModels]: Record<string, never>;
  [JobName.RunBacktest]: { backtestId: string };
  [JobName.SearchTrial]: { searchId: string; index: number };
  [JobName.FinishSearch]: { searchId: string };
  [JobName.DeliverWebhook]: {
    /** The `webhook_messages` row (one event for one subscription). */
    messageRowId: string;
    /** Attempt number this job makes (1 = first try; retries and replays count on). */
    attempt: number;
    /** Retries already made in this chain (indexes WEBHOOK_RETRY_SCHEDULE); null = a replay, no retries. */
    retry: number | null;
  };
  [JobName.SweepWebhooks]: {
    /** Pending messages this long past their attempt time are requeued (default 2 min). */
    overdueMs?: number;
  };
}

interface RepairGapsResult {
  markets: number;
  holesFound: number;
  holesSkipped: number;
  candlesInserted: number;
  knownGapsRecorded: number;
}

export interface SentimentPollResult {
  source: string;
  /** Why nothing was fetched (source disabled by config or by a refused key). */
  skipped: string | null;
  series: {
    symbol: string;
    from: string | null;
    to: string | null;
    fetched: number;
    inserted: number;
    updated: number;
  }[];
}

export interface TrainModelResult {
  modelVersionId: string;
  /** `production` when it won the promotion rule, else `candidate`. */
  status: string;
  /** Why it was or was not promoted. */
  promotion: string;
  testMae: number;
  persistenceMae: number;
  /** Diebold-Mariano p-value of the test MAE difference with persistence. */
  pValue: number;
  epochs: number;
  samples: number;
  backend: string;
}

export interface JobResults {
  [JobName.CleanQueues]: { removed: Record<string, { completed: number; failed: number }> };
  [JobName.Backfill]: BackfillOutcome;
  [JobName.RepairGaps]: RepairGapsResult;
  [JobName.SentimentPoll]: SentimentPollResult;
  [JobName.TrainModel]: TrainModelResult;
  [JobName.RetrainModels]: {
    checked: number;
    queued: { symbol: string; interval: string; jobId: string; why: string }[];
  };
  [JobName.SearchTrial]: {
    status: 'completed' | 'failed' | 'already-finished';
    score: number | null;
  };
  [JobName.FinishSearch]: { status: string; bestTrial: number | null };
  [JobName.RunBacktest]: {
    backtestId: string;
    candles: number;
    trades: number;
    totalReturn: number;
    buyAndHoldReturn: number;
  };
  [JobName.DeliverWebhook]: {
    /**
     * `delivered`, `retry-scheduled`, `failed`, `disabled` (410 or retries exhausted), `skipped`;
     * `deferred` (its endpoint is busy) never ends a job: it is delayed and runs again.
     */
    outcome: string;
    statusCode: number | null;
    nextAttemptAt: string | null;
  };
  [JobName.SweepWebhooks]: { requeued: number; recovered: number };
}

export type JobPayload<N extends JobName> = JobPayloads[N];
export type JobResult<N extends JobName> = JobResults[N];

interface QueueDefinition {
  /** Jobs of this queue a worker process runs at once. */
  concurrency: number;
  /** A config key that overrides `concurrency`. */
  concurrencyKey?: keyof AppConfigValues;
  /** Worker settings other than the defaults (lock and stall detection). */
  worker?: Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount'>;
  description: string;
  /** Part of the live path: its jobs never wait for a closing burst (HotPath) to finish. */
  hot?: boolean;
}

interface JobDefinition {
  queue: QueueName;
  description: string;
  options: JobsOptions;
}

const DAY_MS = 86_400_000;

/**
 * Order of the training queue (BullMQ: jobs without a priority first, then by number): an
 * admin's training, then first models and scheduled retrains, then search trials, so a search of
 * many trials never holds back another market's first model for long.
 */
export const TRAINING_PRIORITY = { automatic: 5, searchTrial: 10 } as const;

/** Finished jobs stay visible through GET /jobs/:id for a while, then Redis forgets them. */
const KEEP_FINISHED: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: { age: (7 * DAY_MS) / 1000, count: 10_000 },
  removeOnFail: { age: (30 * DAY_MS) / 1000, count: 10_000 },
};

export const QUEUES: Record<QueueName, QueueDefinition> = {
  [QueueName.Maintenance]: {
    concurrency: 1,
    description: 'Housekeeping of the service itself',
  },
  [QueueName.MarketData]: {
    concurrency: 2,
    description: 'Candle backfills and gap repair from the exchange',
  },
  [QueueName.Sentiment]: {
    concurrency: 1,
    description: 'Social sentiment polling and history backfill (strict source rate limits)',
  },
  [QueueName.Backtests]: {
    concurrency: 1,
    description: 'Strategy backtests over stored candles and predictions',
  },
  [QueueName.Webhooks]: {
    concurrency: 50,
    concurrencyKey: 'WEBHOOK_CONCURRENCY',
    // Short locks, renewed while a delivery runs: a killed worker's deliveries go to another
    // worker within seconds, not the default half minute.
    worker: { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 5 },
    hot: true,
    description:
      'Signed webhook deliveries, one job per message, subscription and attempt (I/O-bound)',
  },
  [QueueName.Training]: {
    concurrency: 1,
    description:
      'Model training, evaluation and search trials (CPU-bound: one at a time per worker)',
  },
};

export const JOBS: Record<JobName, JobDefinition> = {
  [JobName.CleanQueues]: {
    queue: QueueName.Maintenance,
    description: 'Removes finished jobs older than a grace period from every queue',
    options: { attempts: 3, backoff: { type: 'exponential', delay: 5_000 }, ...KEEP_FINISHED },
  },
  [JobName.Backfill]: {
    queue: QueueName.MarketData,
    description:
      'Pages through exchange history for one market and range, bulk-writes it, then repairs gaps',
    options: { attempts: 8, backoff: { type: 'exponential', delay: 10_000 }, ...KEEP_FINISHED },
  },
  [JobName.RepairGaps]: {
    queue: QueueName.MarketData,
    description: 'Finds missing candles on the interval grid and fetches exactly those ranges',
    options: { attempts: 5, backoff: { type: 'exponential', delay: 10_000 }, ...KEEP_FINISHED },
  },
  [JobName.SentimentPoll]: {
    queue: QueueName.Sentiment,
    description: 'Fetches a sentiment source from its last stored point (or its history) up to now',
    options: { attempts: 5, backoff: { type: 'exponential', delay: 30_000 }, ...KEEP_FINISHED },
  },
  [JobName.TrainModel]: {
    queue: QueueName.Training,
    description:
      'Trains, evaluates and registers a model (lstm, gru or linear) for one market; promotes it if it wins',
    options: { attempts: 3, backoff: { type: 'exponential', delay: 60_000 }, ...KEEP_FINISHED },
  },
  [JobName.SearchTrial]: {
    queue: QueueName.Training,
    description:
      'Trains and scores one trial of a model search on the training part of its market (walk-forward folds inside)',
    options: {
      attempts: 2,
      backoff: { type: 'exponential', delay: 30_000 },
      priority: TRAINING_PRIORITY.searchTrial,
      ...KEEP_FINISHED,
    },
  },
  [JobName.FinishSearch]: {
    queue: QueueName.Training,
    description: "Evaluates a finished search's best trial once on the held-back test part",
    options: { attempts: 2, backoff: { type: 'exponential', delay: 30_000 }, ...KEEP_FINISHED },
  },
  [JobName.RunBacktest]: {
    queue: QueueName.Backtests,
    description: 'Replays a strategy over a market and range with fees and stores the results',
    options: { attempts: 2, backoff: { type: 'exponential', delay: 10_000 }, ...KEEP_FINISHED },
  },
  [JobName.DeliverWebhook]: {
    queue: QueueName.Webhooks,
    description:
      'POSTs one signed message to one subscription; a failure schedules the next attempt as a new job',
    // Receiver failures are retried on the webhook schedule by the processor itself; these
    // attempts only cover our own failures (database or Redis down while recording).
    options: {
      attempts: 5,
      backoff: { type: 'exponential', delay: 5_000 },
      removeOnComplete: { age: 86_400, count: 50_000 },
      removeOnFail: { age: 7 * 86_400, count: 50_000 },
    },
  },
  [JobName.SweepWebhooks]: {
    queue: QueueName.Maintenance,
    description:
      'Re-queues webhook messages left pending without a job (a crash between store and queue)',
    options: { attempts: 1, ...KEEP_FINISHED, removeOnComplete: { count: 100 } },
  },
  [JobName.RetrainModels]: {
    queue: QueueName.Maintenance,
    description:
      'Queues training for model markets with no model yet, or whose newest is older than RETRAIN_EVERY',
    options: { attempts: 2, backoff: { type: 'exponential', delay: 30_000 }, ...KEEP_FINISHED },
  },
};

/** Repeatable jobs, upserted by every worker at start (idempotent, so many workers are safe). */
type Schedule = {
  [N in JobName]: { id: string; job: N; pattern: string; payload: JobPayloads[N] };
}[JobName];

export const SCHEDULES: Schedule[] = [
  {
    id: `${JobName.CleanQueues}.daily`,
    job: JobName.CleanQueues,
    pattern: '17 3 * * *',
    payload: { graceMs: 14 * DAY_MS, limitPerState: 50_000 },
  },
  {
    id: `${JobName.RepairGaps}.hourly`,
    job: JobName.RepairGaps,
    pattern: '23 * * * *',
    payload: {},
  },
  {
    id: `${JobName.RetrainModels}.hourly`,
    job: JobName.RetrainModels,
    pattern: '41 * * * *',
    payload: {},
  },
  {
    id: `${JobName.SweepWebhooks}.every-minute`,
    job: JobName.SweepWebhooks,
    pattern: '* * * * *',
    payload: {},
  },
  {
    id: `${JobName.SentimentPoll}.lunarcrush-hourly`,
    job: JobName.SentimentPoll,
    pattern: '5 * * * *',
    payload: { source: 'lunarcrush' },
  },
  {
    id: `${JobName.SentimentPoll}.fear-greed-hourly`,
    job: JobName.SentimentPoll,
    pattern: '11 * * * *',
    payload: { source: 'fear-greed' },
  },
];

const JOB_NAMES = new Set<string>(Object.values(JobName));

export function isJobName(value: string): value is JobName {
  return JOB_NAMES.has(value);
}

/**
 * Job ids are `<job name>.<key>`, so any id names its queue. A deterministic key makes a job
 * idempotent: adding the same id again while it exists is a no-op. BullMQ forbids ":" in ids.
 */
export function jobIdFor(name: JobName, key: string): string {
  return `${name}.${key.replace(/:/g, '-')}`;
}

/** The job name an id belongs to (scheduler-made ids look like `repeat:<schedule id>:<ms>`). */
export function jobNameOfId(jobId: string): JobName | undefined {
  const body = jobId.startsWith('repeat:') ? (jobId.split(':')[1] ?? '') : jobId;
  const name = body.split('.')[0] ?? '';
  return isJobName(name) ? name : undefined;
}
