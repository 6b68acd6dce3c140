import { Injectable, Logger } from '@nestjs/common';
import { MarketCatalogue } from '../../market-data/market';
import { ProcessesJob, type JobProcessor } from '../../queue/job-processor.decorator';
import { JobName, type JobResult } from '../../queue/queue.catalogue';
import { QueueService } from '../../queue/queue.service';
import { SignalsRepository } from '../../strategy/signals.repository';
import { signalCreatedEvent } from '../../strategy/strategy-events';
import { WebhookFanoutService } from '../delivery/webhook-fanout.service';
import { deliveryJob } from '../delivery/webhook-delivery.service';
import { signalWebhookEvent } from '../webhook-events';
import { WebhooksRepository } from '../webhooks.repository';

/** Pending this long past its due time, a message is taken to have lost its job. */
const OVERDUE_MS = 2 * 60_000;
/** Signals of the last this long are fanned out again (a no-op for those already fanned out). */
const SIGNAL_LOOKBACK_MS = 10 * 60_000;

/**
 * Every minute, the two places a webhook message could be lost are checked again:
 * - signals stored recently are fanned out once more, so one whose `signal.created` never reached
 *   a worker (a crash right after the signal was stored, a Redis pub/sub hiccup) is still
 *   delivered; messages are unique per subscription and webhook-id, so the rest is a no-op;
 * - pending messages well past their attempt time get that attempt queued again. The job id is
 *   the one the lost job had, so a job that merely waits for a free worker is not doubled, and a
 *   finished job of that id is removed first (`enqueueManyAgain`).
 */
@Injectable()
@ProcessesJob(JobName.SweepWebhooks)
export class SweepWebhooksProcessor implements JobProcessor<JobName.SweepWebhooks> {
  private readonly logger = new Logger(SweepWebhooksProcessor.name);

  constructor(
    private readonly repository: WebhooksRepository,
    private readonly queues: QueueService,
    private readonly signals: SignalsRepository,
    private readonly catalogue: MarketCatalogue,
    private readonly fanout: WebhookFanoutService,
  ) {}

  async process(): Promise<JobResult<JobName.SweepWebhooks>> {
    let fannedOut = 0;
    const recent = (await this.fanout.wanted('signal.created'))
      ? await this.signals.createdSince(Date.now() - SIGNAL_LOOKBACK_MS, 5000)
      : [];
    for (const signal of recent) {
      let symbol: string;
      try {
        symbol = this.catalogue.resolveSymbol(signal.market.symbol);
      } catch {
        continue; // a market no longer configured
      }
      fannedOut += await this.fanout.fanOut(signalWebhookEvent(signalCreatedEvent(signal, symbol)));
    }
    if (fannedOut) {
      this.logger.warn(
        `${fannedOut} webhook message(s) of recent signals had been missed; queued now`,
      );
    }
    const overdue = await this.repository.overdue(OVERDUE_MS, 1000);
    // Again: a job that failed for good (its worker could not reach PostgreSQL through all its
    // tries) is still kept under that id, and a plain add would do nothing for days.
    await this.queues.enqueueManyAgain(
      JobName.DeliverWebhook,
      overdue.map((message) => deliveryJob(message.id, message.attempts + 1, message.attempts)),
    );
    return { requeued: overdue.length, recovered: fannedOut };
  }
}
