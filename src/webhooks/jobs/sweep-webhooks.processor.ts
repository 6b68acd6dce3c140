import { Injectable } from '@nestjs/common';
import { ProcessesJob, type JobProcessor } from '../../queue/job-processor.decorator';
import { JobName, type JobResult } from '../../queue/queue.catalogue';
import { QueueService } from '../../queue/queue.service';
import { deliveryJobKey } from '../delivery/webhook-delivery.service';
import { WebhooksRepository } from '../webhooks.repository';

/** Pending this long past its due time, a message is taken to have lost its job. */
const OVERDUE_MS = 2 * 60_000;

/**
 * Finds pending messages well past their attempt time and queues that attempt again. The job id
 * is the one the lost job had, so a job that merely waits for a free worker is not doubled.
 */
@Injectable()
@ProcessesJob(JobName.SweepWebhooks)
export class SweepWebhooksProcessor implements JobProcessor<JobName.SweepWebhooks> {
  constructor(
    private readonly repository: WebhooksRepository,
    private readonly queues: QueueService,
  ) {}

  async process(): Promise<JobResult<JobName.SweepWebhooks>> {
    const overdue = await this.repository.overdue(OVERDUE_MS, 1000);
    await this.queues.enqueueMany(
      JobName.DeliverWebhook,
      overdue.map((message) => ({
        key: deliveryJobKey(message.id, message.attempts + 1),
        payload: {
          messageRowId: message.id,
          attempt: message.attempts + 1,
          retry: message.attempts,
        },
      })),
    );
    return { requeued: overdue.length };
  }
}
