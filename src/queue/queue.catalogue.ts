import type { JobsOptions } from 'bullmq';

/**
 * Every queue and every job of the service, in one place: names, payload types tied to job names,
 * and default options. A worker refuses to start when a job listed here has no processor.
 */
export enum QueueName {
  Maintenance = 'maintenance',
}

export enum JobName {
  CleanQueues = 'clean-queues',
}

export interface JobPayloads {
  [JobName.CleanQueues]: {
    /** Finished jobs older than this are removed. */
    graceMs: number;
    /** At most this many jobs per queue and state in one run. */
    limitPerState: number;
  };
}

export interface JobResults {
  [JobName.CleanQueues]: { removed: Record<string, { completed: number; failed: number }> };
}

export type JobPayload<N extends JobName> = JobPayloads[N];
export type JobResult<N extends JobName> = JobResults[N];

interface QueueDefinition {
  /** Jobs of this queue a worker process runs at once. */
  concurrency: number;
  description: string;
}

interface JobDefinition {
  queue: QueueName;
  description: string;
  options: JobsOptions;
}

const DAY_MS = 86_400_000;

/** Finished jobs stay visible through GET /jobs/:id for a while, then Redis forgets them. */
const KEEP_FINISHED: Pick<JobsOptions, 'removeOnComplete' | 'removeOnFail'> = {
  removeOnComplete: { age: 7 * DAY_MS / 1000, count: 10_000 },
  removeOnFail: { age: 30 * DAY_MS / 1000, count: 10_000 },
};

export const QUEUES: Record<QueueName, QueueDefinition> = {
  [QueueName.Maintenance]: {
    concurrency: 1,
    description: 'Housekeeping of the service itself',
  },
};

export const JOBS: Record<JobName, JobDefinition> = {
  [JobName.CleanQueues]: {
    queue: QueueName.Maintenance,
    description: 'Removes finished jobs older than a grace period from every queue',
    options: { attempts: 3, backoff: { type: 'exponential', delay: 5_000 }, ...KEEP_FINISHED },
  },
};

/** Repeatable jobs, upserted by every worker at start (idempotent, so many workers are safe). */
export const SCHEDULES: {
  id: string;
  job: JobName.CleanQueues;
  pattern: string;
  payload: JobPayloads[JobName.CleanQueues];
}[] = [
  {
    id: `${JobName.CleanQueues}.daily`,
    job: JobName.CleanQueues,
    pattern: '17 3 * * *',
    payload: { graceMs: 14 * DAY_MS, limitPerState: 50_000 },
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
