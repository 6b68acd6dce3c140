import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Worker, type Job } from 'bullmq';
import { hostname } from 'node:os';
import { HotPath } from '../cluster/hot-path';
import { AppConfig } from '../config/app-config';
import { redisOptions } from '../redis/redis.service';
import { ProcessesJob, type JobProcessor } from './job-processor.decorator';
import { JOBS, QUEUES, SCHEDULES, JobName, QueueName, isJobName } from './queue.catalogue';
import { QueueService } from './queue.service';

/** Job names of the catalogue that no processor claims. */
export function jobsWithoutProcessor(registered: Iterable<string>): JobName[] {
  const claimed = new Set(registered);
  return (Object.values(JobName) as JobName[]).filter((name) => !claimed.has(name));
}

/**
 * Runs in worker processes only: one BullMQ worker per queue of the catalogue, dispatching each
 * job to its processor. Start-up fails when a job has no processor or two claim the same job.
 */
@Injectable()
export class QueueWorkersService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(QueueWorkersService.name);
  private readonly workers: Worker[] = [];
  private readonly processors = new Map<JobName, JobProcessor<JobName>>();

  constructor(
    private readonly config: AppConfig,
    private readonly discovery: DiscoveryService,
    private readonly queues: QueueService,
    private readonly hotPath: HotPath,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    for (const wrapper of this.discovery.getProviders({ metadataKey: ProcessesJob.KEY })) {
      const name = this.discovery.getMetadataByDecorator(ProcessesJob, wrapper);
      if (!name || !isJobName(name)) {
        throw new Error(`${wrapper.name} claims unknown job "${String(name)}"`);
      }
      if (this.processors.has(name)) {
        throw new Error(`Two processors claim job "${name}"`);
      }
      this.processors.set(name, wrapper.instance as JobProcessor<JobName>);
    }
    const missing = jobsWithoutProcessor(this.processors.keys());
    if (missing.length) {
      throw new Error(`Jobs without a processor: ${missing.join(', ')}`);
    }

    const only = this.config.get('WORKER_QUEUES');
    for (const queueName of Object.keys(QUEUES) as QueueName[]) {
      if (only && !only.includes(queueName)) {
        continue;
      }
      const { concurrencyKey } = QUEUES[queueName];
      const worker = new Worker(queueName, (job: Job, token?: string) => this.run(job, token), {
        connection: redisOptions(
          this.config,
          `${this.config.get('REDIS_PREFIX')}:worker:${queueName}`,
        ),
        prefix: this.queues.prefix,
        // Recorded on each job it takes (`processedBy`): which process ran what.
        name: `${hostname()}:${process.pid}`,
        concurrency: concurrencyKey
          ? Number(this.config.get(concurrencyKey))
          : QUEUES[queueName].concurrency,
        ...QUEUES[queueName].worker,
        autorun: false,
      });
      worker.on('failed', (job, error) =>
        this.logger.warn(
          `Job ${job?.id ?? '?'} (${job?.name ?? '?'}) failed on attempt ${job?.attemptsMade ?? '?'}: ${error.message}`,
        ),
      );
      worker.on('error', (error) =>
        this.logger.error(`Worker of queue ${queueName}: ${error.message}`),
      );
      await worker.waitUntilReady();
      this.workers.push(worker);
      void worker.run();
    }

    for (const schedule of SCHEDULES) {
      await this.queues
        .queue(JOBS[schedule.job].queue)
        .upsertJobScheduler(
          schedule.id,
          { pattern: schedule.pattern },
          { name: schedule.job, data: schedule.payload, opts: JOBS[schedule.job].options },
        );
    }
    this.logger.log(
      `Worker started: ${this.workers.length} queue(s), ${this.processors.size} job processor(s), ${SCHEDULES.length} schedule(s)`,
    );
  }

  private async run(job: Job, token?: string): Promise<unknown> {
    const name = job.name;
    const processor = isJobName(name) ? this.processors.get(name) : undefined;
    if (!processor || !isJobName(name)) {
      throw new Error(`No processor for job ${job.id} named "${job.name}"`);
    }
    const hot = QUEUES[JOBS[name].queue].hot === true;
    if (!hot) {
      // A closing burst in this process comes first: background jobs start when it is done.
      await this.hotPath.idle();
    }
    const startedAt = Date.now();
    const work = () => processor.process(job as Job<never, never, JobName>, token);
    // A hot queue's jobs (webhook deliveries) are part of the burst: work deferred until the
    // burst is over waits for them too.
    const result = hot ? await this.hotPath.run(work) : await work();
    this.logger.log(`Job ${job.id} (${job.name}) completed in ${Date.now() - startedAt} ms`);
    return result;
  }

  /** Lets running jobs finish (up to SHUTDOWN_TIMEOUT_MS), then closes the connections. */
  async onApplicationShutdown(): Promise<void> {
    if (!this.workers.length) {
      return;
    }
    const timeoutMs = this.config.get('SHUTDOWN_TIMEOUT_MS');
    let timer: NodeJS.Timeout | undefined;
    const graceful = Promise.all(this.workers.map((worker) => worker.close()));
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([graceful.then(() => 'closed' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      this.logger.warn(`Jobs still running after ${timeoutMs} ms; releasing them to other workers`);
      await Promise.all(this.workers.map((worker) => worker.close(true)));
    }
    this.logger.log('Worker stopped');
  }
}
