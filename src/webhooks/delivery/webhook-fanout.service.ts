import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { parseDuration } from '../../config/config.schema';
import type { CachedPrediction } from '../../models/live/prediction.cache';
import { PREDICTION_UPDATED } from '../../models/model-events';
import { RedisService } from '../../redis/redis.service';
import { SIGNAL_CREATED, type SignalCreatedEvent } from '../../strategy/strategy-events';
import { predictionWebhookEvent, signalWebhookEvent, type WebhookEvent } from '../webhook-events';
import { WebhooksRepository } from '../webhooks.repository';
import { WebhookDeliveryService } from './webhook-delivery.service';

const FANOUT_ATTEMPTS = 8;

/**
 * In workers: turns every `signal.created` and `prediction.updated` into one stored message and
 * one delivery job per matching subscription. Every worker hears every event; the message's
 * unique key (subscription, webhook-id) and the deterministic job id make the extra copies no-ops.
 * Delivery runs in its own queue, so a slow receiver never holds up the live path.
 */
@Injectable()
export class WebhookFanoutService implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookFanoutService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisService,
    private readonly repository: WebhooksRepository,
    private readonly delivery: WebhookDeliveryService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const maxAgeMs = parseDuration(this.config.get('MODEL_MAX_AGE'));
    await this.redis.subscribe(SIGNAL_CREATED, (message) =>
      this.handle(() => signalWebhookEvent(JSON.parse(message) as SignalCreatedEvent)),
    );
    await this.redis.subscribe(PREDICTION_UPDATED, (message) =>
      this.handle(() => predictionWebhookEvent(JSON.parse(message) as CachedPrediction, maxAgeMs)),
    );
  }

  private handle(build: () => WebhookEvent): void {
    let event: WebhookEvent;
    try {
      event = build();
    } catch (error) {
      this.logger.error(`An event could not become a webhook message: ${(error as Error).message}`);
      return;
    }
    void this.fanOutWithRetries(event);
  }

  /** PostgreSQL or Redis briefly away must not lose a message: retry for about a minute. */
  private async fanOutWithRetries(event: WebhookEvent): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.fanOut(event);
        return;
      } catch (error) {
        const give = attempt >= FANOUT_ATTEMPTS;
        this.logger.error(
          `Webhook fan-out of ${event.type} ${event.messageId} failed (attempt ${attempt}/${FANOUT_ATTEMPTS}${give ? ', giving up' : ''}): ${(error as Error).message}`,
        );
        if (give) {
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** attempt, 15_000)));
      }
    }
  }

  /** Stores and queues one event for every subscription that wants it; returns how many. */
  async fanOut(event: WebhookEvent): Promise<number> {
    const created = await this.repository.fanOut(event);
    await this.delivery.enqueueFirst(created);
    return created.length;
  }
}
