import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { parseDuration } from '../../config/config.schema';
import { QueueService } from '../../queue/queue.service';
import { JOBS, JobName, type JobPayload, type JobResult } from '../../queue/queue.catalogue';
import { WebhookDeliveriesRepository } from '../webhook-deliveries.repository';
import { WebhookMessagesRepository } from '../webhook-messages.repository';
import { WebhookSubscriptionsRepository } from '../webhook-subscriptions.repository';
import { WebhookSecrets } from '../webhook-secrets.service';
import { retryDelayMs } from './retry-schedule';
import { sendWebhook, type SendResult } from './webhook-sender';
import { signatureHeader } from './webhook-signature';
import { WebhookUrlGuard } from './webhook-url-guard';

type DeliverPayload = JobPayload<JobName.DeliverWebhook>;

/**
 * A delivery that takes longer marks its endpoint slow: the messages waiting in this process for
 * one of its slots go back to the queue (deferred) instead of holding worker slots meanwhile.
 */
const SLOW_DELIVERY_MS = 1000;
type DeliverResult = JobResult<JobName.DeliverWebhook>;

/**
 * The job of one attempt of one message. Its key is deterministic, so re-adding it while it
 * exists is a no-op. `retry` counts the retries before it (null: a replay, never retried).
 */
export function deliveryJob(
  messageRowId: string,
  attempt: number,
  retry: number | null,
): { key: string; payload: DeliverPayload } {
  return { key: `${messageRowId}.${attempt}`, payload: { messageRowId, attempt, retry } };
}

/**
 * Makes one delivery attempt: signs the stored body with every secret in force, POSTs it (pinned
 * to checked addresses, no redirects, bounded by WEBHOOK_TIMEOUT_MS), records the attempt, and
 * decides what follows: done, the next retry on the schedule (as a new delayed job), or the
 * subscription disabled (410 Gone, or the schedule exhausted) with the reason.
 */
@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  private readonly schedule: number[];
  /** Deliveries in flight in this worker, per subscription, by their start (epoch ms). */
  private readonly inFlight = new Map<string, number[]>();
  /**
   * Deliveries of a fast endpoint waiting in this worker for one of its slots, per subscription,
   * oldest first; each is handed the slot (its start time) or undefined (deferred after all).
   */
  private readonly waiting = new Map<string, ((slot: number | undefined) => void)[]>();
  /** Delivery jobs deferred in this worker, per subscription, oldest first. */
  private readonly deferred = new Map<string, string[]>();

  constructor(
    private readonly config: AppConfig,
    private readonly subscriptions: WebhookSubscriptionsRepository,
    private readonly messages: WebhookMessagesRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly secrets: WebhookSecrets,
    private readonly queues: QueueService,
    private readonly guard: WebhookUrlGuard,
  ) {
    this.schedule = config.get('WEBHOOK_RETRY_SCHEDULE').map(parseDuration);
  }

  /**
   * A delivery slot of this endpoint. With all of them busy, a fast endpoint's delivery waits
   * here for the next free one: its turn comes within milliseconds, where a deferral costs a
   * round through the delayed queue. At most half of the worker's WEBHOOK_CONCURRENCY slots
   * are held by one endpoint (running or waiting), so the other subscribers always have the rest;
   * beyond that, or while the endpoint is slow, the delivery is deferred (undefined).
   * Returns the slot: its start time, which release() takes back.
   */
  private async acquire(subscriptionId: string): Promise<number | undefined> {
    const perEndpoint = this.config.get('WEBHOOK_ENDPOINT_CONCURRENCY');
    const running = this.inFlight.get(subscriptionId) ?? [];
    if (running.length < perEndpoint) {
      const slot = Date.now();
      running.push(slot);
      this.inFlight.set(subscriptionId, running);
      return slot;
    }
    const queue = this.waiting.get(subscriptionId) ?? [];
    const mayWait = Math.floor(this.config.get('WEBHOOK_CONCURRENCY') / 2) - perEndpoint;
    const slow = running.some((startedAt) => Date.now() - startedAt > SLOW_DELIVERY_MS);
    if (queue.length >= mayWait || slow) {
      return undefined;
    }
    this.waiting.set(subscriptionId, queue);
    return new Promise<number | undefined>((resolve) => queue.push(resolve));
  }

  /** Hands the slot to the next waiting delivery, or frees it and wakes a deferred one. */
  private release(subscriptionId: string, slot: number, durationMs?: number): void {
    const running = this.inFlight.get(subscriptionId) ?? [];
    const index = running.indexOf(slot);
    if (index >= 0) {
      running.splice(index, 1);
    }
    const queue = this.waiting.get(subscriptionId) ?? [];
    const slow = durationMs === undefined || durationMs > SLOW_DELIVERY_MS;
    const next = slow ? undefined : queue.shift();
    if (slow) {
      // The waiting ones go back to the queue: they would hold worker slots behind a slow endpoint.
      queue.splice(0).forEach((resolve) => resolve(undefined));
    }
    if (!queue.length) {
      this.waiting.delete(subscriptionId);
    }
    if (next) {
      const handedOver = Date.now();
      running.push(handedOver);
      this.inFlight.set(subscriptionId, running);
      next(handedOver);
      return;
    }
    if (running.length) {
      this.inFlight.set(subscriptionId, running);
    } else {
      this.inFlight.delete(subscriptionId);
    }
    this.wakeDeferred(subscriptionId);
  }

  /** Promotes the delivery of this endpoint deferred longest ago (a slot just freed). */
  private wakeDeferred(subscriptionId: string): void {
    const waiting = this.deferred.get(subscriptionId);
    const jobId = waiting?.shift();
    if (!waiting?.length) {
      this.deferred.delete(subscriptionId);
    }
    if (jobId) {
      // A job already promoted, retried or gone cannot be promoted: it runs on its own delay.
      void this.queues
        .queue(JOBS[JobName.DeliverWebhook].queue)
        .getJob(jobId)
        .then((job) => job?.promote())
        .catch(() => undefined);
    }
  }

  /** Queues the first attempt of freshly stored messages. */
  async enqueueFirst(messageRowIds: string[]): Promise<void> {
    await this.queues.enqueueMany(
      JobName.DeliverWebhook,
      messageRowIds.map((messageRowId) => deliveryJob(messageRowId, 1, 0)),
    );
  }

  /**
   * @param jobId the delivery job's id: when it is deferred (its endpoint has its share of slots),
   * it is promoted again the moment one of those deliveries ends, instead of after its delay.
   */
  async deliver(job: DeliverPayload, jobId?: string): Promise<DeliverResult> {
    const found = await this.messages.forDelivery(job.messageRowId);
    if (!found) {
      return { outcome: 'skipped', statusCode: null, nextAttemptAt: null };
    }
    const { message, subscription } = found;
    const replay = job.retry === null;
    // A job re-added for a message already settled (or moved on) does nothing.
    if (!replay && (message.status !== 'pending' || message.attempts >= job.attempt)) {
      return { outcome: 'skipped', statusCode: null, nextAttemptAt: null };
    }
    if (!subscription.enabled) {
      await this.messages.setState(message.id, {
        status: 'failed',
        attempts: message.attempts,
        nextAttemptAt: null,
      });
      return { outcome: 'skipped', statusCode: null, nextAttemptAt: null };
    }

    // An endpoint holds at most WEBHOOK_ENDPOINT_CONCURRENCY of this worker's delivery slots;
    // its further messages wait their turn (no attempt spent), the other subscribers' do not.
    const slot = await this.acquire(subscription.id);
    if (slot === undefined) {
      if (jobId) {
        const waiting = this.deferred.get(subscription.id) ?? [];
        waiting.push(jobId);
        this.deferred.set(subscription.id, waiting);
      }
      return { outcome: 'deferred', statusCode: null, nextAttemptAt: null };
    }
    const attemptedAt = new Date();
    let result: SendResult;
    let durationMs: number | undefined;
    try {
      result = await this.send(subscription, message.messageId, message.body, attemptedAt);
      durationMs = result.durationMs;
    } finally {
      this.release(subscription.id, slot, durationMs);
    }
    const gone = result.statusCode === 410;
    const delay =
      result.ok || gone || replay
        ? null
        : retryDelayMs(this.schedule, job.retry ?? 0, result.retryAfterMs);
    const nextAttemptAt = delay === null ? null : new Date(Date.now() + delay);
    await this.deliveries.recordAttempt(
      {
        webhookMessageId: message.id,
        subscriptionId: subscription.id,
        attempt: job.attempt,
        succeeded: result.ok,
        statusCode: result.statusCode,
        durationMs: result.durationMs,
        error: result.error?.slice(0, 1000) ?? null,
        responseExcerpt: result.responseExcerpt,
        nextAttemptAt,
        attemptedAt,
      },
      {
        status: result.ok ? 'succeeded' : nextAttemptAt ? 'pending' : 'failed',
        attempts: job.attempt,
        nextAttemptAt,
      },
    );
    if (result.ok) {
      return { outcome: 'delivered', statusCode: result.statusCode, nextAttemptAt: null };
    }
    if (nextAttemptAt && delay !== null) {
      await this.queues.enqueue({
        name: JobName.DeliverWebhook,
        ...deliveryJob(message.id, job.attempt + 1, (job.retry ?? 0) + 1),
        options: { delay },
      });
      return {
        outcome: 'retry-scheduled',
        statusCode: result.statusCode,
        nextAttemptAt: nextAttemptAt.toISOString(),
      };
    }
    if (replay && !gone) {
      return { outcome: 'failed', statusCode: result.statusCode, nextAttemptAt: null };
    }
    const reason = gone
      ? `The receiver answered 410 Gone at ${attemptedAt.toISOString()} (message ${message.messageId}); deliveries stopped`
      : `Message ${message.messageId} failed ${job.attempt} attempt(s), the last at ${attemptedAt.toISOString()}: ${result.error ?? 'failed'}; deliveries stopped`;
    if (await this.subscriptions.disable(subscription.id, reason)) {
      this.logger.warn(`Webhook subscription ${subscription.id} disabled: ${reason}`);
    }
    return { outcome: 'disabled', statusCode: result.statusCode, nextAttemptAt: null };
  }

  private async send(
    subscription: {
      id: string;
      url: string;
      secretEncrypted: string;
      previousSecretEncrypted: string | null;
      previousSecretExpiresAt: Date | null;
    },
    messageId: string,
    body: string,
    at: Date,
  ): Promise<SendResult> {
    const signature = signatureHeader(this.secrets.inForce(subscription, at), messageId, at, body);
    // The guard checks the address on every attempt: a host may now resolve somewhere internal.
    return sendWebhook({
      url: subscription.url,
      body,
      timeoutMs: this.config.get('WEBHOOK_TIMEOUT_MS'),
      guard: this.guard,
      headers: {
        'webhook-id': messageId,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': signature,
      },
    });
  }
}
