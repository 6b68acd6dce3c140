import { Injectable } from '@nestjs/common';
import type { Job } from 'bullmq';
import { ProcessesJob, type JobProcessor } from '../../queue/job-processor.decorator';
import { JobName, type JobPayload, type JobResult } from '../../queue/queue.catalogue';
import { WebhookDeliveryService } from '../delivery/webhook-delivery.service';

/** One delivery attempt of one message to one subscription. */
@Injectable()
@ProcessesJob(JobName.DeliverWebhook)
export class DeliverWebhookProcessor implements JobProcessor<JobName.DeliverWebhook> {
  constructor(private readonly delivery: WebhookDeliveryService) {}

  process(
    job: Job<JobPayload<JobName.DeliverWebhook>, JobResult<JobName.DeliverWebhook>>,
  ): Promise<JobResult<JobName.DeliverWebhook>> {
    return this.delivery.deliver(job.data);
  }
}
