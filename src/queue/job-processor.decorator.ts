import { DiscoveryService } from '@nestjs/core';
import type { Job } from 'bullmq';
import type { JobName, JobPayload, JobResult } from './queue.catalogue';

/** Marks a provider as the processor of one job of the catalogue. */
export const ProcessesJob = DiscoveryService.createDecorator<JobName>();

export interface JobProcessor<N extends JobName> {
  /** `token` is the worker's lock token, for `moveToDelayed` and friends. */
  process(job: Job<JobPayload<N>, JobResult<N>, N>, token?: string): Promise<JobResult<N>>;
}
