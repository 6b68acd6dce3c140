import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { MarketShards } from '../../cluster/market-shards.service';
import { AppConfig } from '../../config/app-config';
import { parseDuration } from '../../config/config.schema';
import { MarketCatalogue } from '../../market-data/market-catalogue';
import { PredictionCache } from '../../models/live/prediction.cache';
import { ProcessesJob, type JobProcessor } from '../../queue/job-processor.decorator';
import { JobName, type JobPayload, type JobResult } from '../../queue/queue.catalogue';
import { QueueService } from '../../queue/queue.service';
import { SignalsRepository } from '../../strategy/signals.repository';
import { signalCreatedEvent } from '../../strategy/strategy-events';
import { WebhookFanoutService } from '../delivery/webhook-fanout.service';
import { deliveryJob } from '../delivery/webhook-delivery.service';
import {
  paperTradeWebhookEvent,
  predictionWebhookEvent,
  signalWebhookEvent,
  type WebhookEvent,
  type WebhookEventType,
} from '../webhook-events';
import { PaperOrdersRepository } from '../../paper/paper-orders.repository';
import { WebhookMessagesRepository } from '../webhook-messages.repository';

/** Pending this long past its due time, a message is taken to have lost its job. */
const OVERDUE_MS = 2 * 60_000;
/** Events of the last this long are fanned out again (a no-op for those already fanned out). */
const RECOVERY_LOOKBACK_MS = 10 * 60_000;
/** Events of one type read back per sweep at most. */
const RECOVERY_LIMIT = 5000;

/**
 * Every minute, the two places a webhook message could be lost are checked again:
 * - events stored recently are fanned out once more, for every event type a subscription can
 *   choose, so one whose live message never reached a worker (a crash between storing and
 *   publishing, a Redis pub/sub hiccup) is still delivered: `signal.created` from the signals
 *   stored, `prediction.updated` from each market's latest forecast in the prediction cache
 *   (written with the publish), `paper.trade` from the paper orders, fills and trades committed.
 *   They are built by the live path's builders, so message ids are the same, and messages are
 *   unique per subscription and webhook-id: the rest is a no-op;
 * - pending messages well past their attempt time get that attempt queued again. The job id is
 *   the one the lost job had, so a job that merely waits for a free worker is not doubled, and a
 *   finished job of that id is removed first (`enqueueManyAgain`).
 */
@Injectable()
@ProcessesJob(JobName.SweepWebhooks)
export class SweepWebhooksProcessor implements JobProcessor<JobName.SweepWebhooks> {
  private readonly logger = new Logger(SweepWebhooksProcessor.name);

  constructor(
    private readonly config: AppConfig,
    private readonly messages: WebhookMessagesRepository,
    private readonly paperOrders: PaperOrdersRepository,
    private readonly queues: QueueService,
    private readonly signals: SignalsRepository,
    private readonly predictions: PredictionCache,
    private readonly catalogue: MarketCatalogue,
    private readonly fanout: WebhookFanoutService,
  ) {}

  async process(
    job?: Job<JobPayload<JobName.SweepWebhooks>>,
  ): Promise<JobResult<JobName.SweepWebhooks>> {
    const since = Date.now() - RECOVERY_LOOKBACK_MS;
    const recovered = {
      'signal.created': await this.recover('signal.created', () => this.recentSignals(since)),
      'prediction.updated': await this.recover('prediction.updated', () =>
        this.recentPredictions(since),
      ),
      'paper.trade': await this.recover('paper.trade', () => this.recentPaperTrades(since)),
    } satisfies Record<WebhookEventType, number>;
    const fannedOut = Object.values(recovered).reduce((total, count) => total + count, 0);
    if (fannedOut) {
      const byType = Object.entries(recovered)
        .filter(([, count]) => count > 0)
        .map(([type, count]) => `${count} ${type}`)
        .join(', ');
      this.logger.warn(`Webhook messages of recent events had been missed; queued now: ${byType}`);
    }
    const overdue = await this.messages.overdue(job?.data.overdueMs ?? OVERDUE_MS, 1000);
    // Again: a job that failed for good (its worker could not reach PostgreSQL through all its
    // tries) is still kept under that id, and a plain add would do nothing for days.
    await this.queues.enqueueManyAgain(
      JobName.DeliverWebhook,
      overdue.map((message) => deliveryJob(message.id, message.attempts + 1, message.attempts)),
    );
    return { requeued: overdue.length, recovered: fannedOut };
  }

  /** Fans out again the events of one type, when some subscription wants it; how many were missed. */
  private async recover(
    type: WebhookEventType,
    read: () => Promise<(() => WebhookEvent)[]>,
  ): Promise<number> {
    if (!(await this.fanout.wanted(type))) {
      return 0;
    }
    let fannedOut = 0;
    for (const build of await read()) {
      let event: WebhookEvent;
      try {
        event = build();
      } catch (error) {
        this.logger.error(
          `A stored ${type} event could not become a webhook message: ${(error as Error).message}`,
        );
        continue;
      }
      fannedOut += await this.fanout.fanOut(event);
    }
    return fannedOut;
  }

  private async recentSignals(since: number): Promise<(() => WebhookEvent)[]> {
    const signals = await this.signals.createdSince(since, RECOVERY_LIMIT);
    return signals.flatMap((signal) => {
      let symbol: string;
      try {
        symbol = this.catalogue.resolveSymbol(signal.market.symbol);
      } catch {
        return []; // a market no longer configured
      }
      return [() => signalWebhookEvent(signalCreatedEvent(signal, symbol))];
    });
  }

  /**
   * Each configured market's latest forecast, when it was made within the lookback. The cache is
   * read through its in-process mirror, whose entries are checked against Redis in the background
   * when read more than a second apart: a forecast whose message was lost is found by the next
   * sweep or the one after, well within the lookback.
   */
  private async recentPredictions(since: number): Promise<(() => WebhookEvent)[]> {
    const maxAgeMs = parseDuration(this.config.get('MODEL_MAX_AGE'));
    const latest = await Promise.all(
      this.catalogue.markets.map((market) => this.predictions.read(market)),
    );
    return latest.flatMap((cached) =>
      cached && cached.computedAt >= since ? [() => predictionWebhookEvent(cached, maxAgeMs)] : [],
    );
  }

  private async recentPaperTrades(since: number): Promise<(() => WebhookEvent)[]> {
    const orders = await this.paperOrders.tradesSince(since, RECOVERY_LIMIT);
    return orders.map(
      (order) => () =>
        paperTradeWebhookEvent({ ...order, symbol: this.catalogue.baseOf(order.pair) }),
    );
  }
}

/** How overdue a pending message is taken to be lost when a worker has just died. */
const TAKEOVER_OVERDUE_MS = 5000;

/**
 * When this worker takes markets over from one that died, the sweep runs at once instead of
 * within the minute: the dead worker may have stored a signal without publishing it, or a
 * message without queueing its delivery. Requeueing keeps job ids, so nothing is sent twice.
 */
@Injectable()
export class SweepOnTakeover implements OnApplicationBootstrap {
  private readonly logger = new Logger(SweepOnTakeover.name);

  constructor(
    private readonly shards: MarketShards,
    private readonly queues: QueueService,
  ) {}

  onApplicationBootstrap(): void {
    this.shards.onGained(() => {
      void this.queues
        .enqueue({
          name: JobName.SweepWebhooks,
          payload: { overdueMs: TAKEOVER_OVERDUE_MS },
          exclusiveKey: 'takeover',
          // Once the survivor's own late decisions are out (they are fanned out as they are made).
          options: { delay: TAKEOVER_OVERDUE_MS },
        })
        .catch((error: Error) =>
          this.logger.warn(`Could not queue the webhook sweep after a takeover: ${error.message}`),
        );
    });
  }
}
