import { Injectable } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { ProcessesJob, type JobProcessor } from '../../queue/job-processor.decorator';
import { JobName, type JobPayload, type JobResult } from '../../queue/queue.catalogue';
import { WebhookDeliveryService } from '../delivery/webhook-delivery.service';

/** One delivery attempt of one message to one subscription. */
@Injectable()
@ProcessesJob(JobName.DeliverWebhook)
export class DeliverWebhookProcessor implements JobProcessor<JobName.DeliverWebhook> {
  constructor(private readonly delivery: WebhookDeliveryService) {}

  async process(
    job: Job<JobPayload<JobName.DeliverWebhook>, JobResult<JobName.DeliverWebhook>>,
    token?: string,
  ): Promise<JobResult<JobName.DeliverWebhook>> {
    const result = await this.delivery.deliver(job.data, job.id);
    if (result.outcome === 'deferred') {
      // Its endpoint already has its share of deliveries running: try again shortly.
      await job.moveToDelayed(Date.now() + 50 + Math.floor(Math.random() * 200), token);
      throw new DelayedError();
    }
    return result;
  }
}
