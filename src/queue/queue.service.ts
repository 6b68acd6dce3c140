import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Queue, type JobsOptions } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { redisOptions } from '../redis/redis.service';
import {
  JOBS,
  QUEUES,
  QueueName,
  jobIdFor,
  type JobName,
  type JobPayload,
} from './queue.catalogue';

export interface EnqueueParams<N extends JobName> {
  name: N;
  payload: JobPayload<N>;
  /** A deterministic key makes the job idempotent; without one the job gets a fresh id. */
  key?: string;
  /**
   * Jobs with the same key do not run twice at once: while one is waiting, delayed or running,
   * adding another returns the existing job's id. Once it has finished, the key is free again.
   */
  exclusiveKey?: string;
  options?: Omit<JobsOptions, 'jobId'>;
}

/** The queues of the catalogue, for adding jobs and reading them back (api and worker alike). */
@Injectable()
export class QueueService implements OnApplicationShutdown {
  private readonly queues: Map<QueueName, Queue>;

  constructor(private readonly config: AppConfig) {
    this.queues = new Map(
      (Object.keys(QUEUES) as QueueName[]).map((name) => [
        name,
        new Queue(name, {
          connection: redisOptions(config, `${config.get('REDIS_PREFIX')}:queue:${name}`),
          prefix: this.prefix,
        }),
      ]),
    );
  }

  /** BullMQ key prefix: every key of this deployment (or test run) lives under it. */
  get prefix(): string {
    return this.config.redisKey('bull');
  }

  queue(name: QueueName): Queue {
    const queue = this.queues.get(name);
    if (!queue) {
      throw new Error(`Queue ${name} is not in the catalogue`);
    }
    return queue;
  }

  all(): Queue[] {
    return [...this.queues.values()];
  }

  async enqueue<N extends JobName>(params: EnqueueParams<N>): Promise<string> {
    const definition = JOBS[params.name];
    const exclusive =
      params.exclusiveKey === undefined ? undefined : jobIdFor(params.name, params.exclusiveKey);
    const jobId = params.key
      ? jobIdFor(params.name, params.key)
      : exclusive
        ? `${exclusive}.${randomUUID().slice(0, 8)}`
        : jobIdFor(params.name, randomUUID());
    const job = await this.queue(definition.queue).add(params.name, params.payload, {
      ...definition.options,
      ...params.options,
      ...(exclusive ? { deduplication: { id: exclusive } } : {}),
      jobId,
    });
    return job.id ?? jobId;
  }

  /** Many jobs of one name with deterministic keys in one round trip (fan-out). */
  async enqueueMany<N extends JobName>(
    name: N,
    jobs: { key: string; payload: JobPayload<N>; options?: Omit<JobsOptions, 'jobId'> }[],
  ): Promise<void> {
    if (!jobs.length) {
      return;
    }
    const definition = JOBS[name];
    await this.queue(definition.queue).addBulk(
      jobs.map((job) => ({
        name,
        data: job.payload,
        opts: { ...definition.options, ...job.options, jobId: jobIdFor(name, job.key) },
      })),
    );
  }

  /**
   * `enqueue` for a job that must run again although a job with the same key already ran: BullMQ
   * keeps finished jobs for a while and ignores an add under an id it still holds, so a completed
   * or failed job of that id is removed first. A job still waiting, delayed or active is left as
   * it is (the add is then a no-op, so nothing runs twice).
   */
  async enqueueAgain<N extends JobName>(
    params: EnqueueParams<N> & { key: string },
  ): Promise<string> {
    await this.removeFinished(params.name, [params.key]);
    return this.enqueue(params);
  }

  /** `enqueueMany` with `enqueueAgain`'s rule for finished jobs of the same keys. */
  async enqueueManyAgain<N extends JobName>(
    name: N,
    jobs: { key: string; payload: JobPayload<N>; options?: Omit<JobsOptions, 'jobId'> }[],
  ): Promise<void> {
    await this.removeFinished(
      name,
      jobs.map((job) => job.key),
    );
    await this.enqueueMany(name, jobs);
  }

  private async removeFinished(name: JobName, keys: string[]): Promise<void> {
    const queue = this.queue(JOBS[name].queue);
    await Promise.all(
      keys.map(async (key) => {
        const id = jobIdFor(name, key);
        const state = await queue.getJobState(id);
        if (state === 'completed' || state === 'failed') {
          await queue.remove(id);
        }
      }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled(this.all().map((queue) => queue.close()));
  }
}
