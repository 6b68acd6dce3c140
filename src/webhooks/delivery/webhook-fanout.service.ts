import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { parseDuration } from '../../config/config.schema';
import type { CachedPrediction } from '../../models/live/prediction.cache';
import { PREDICTION_UPDATED } from '../../models/model-events';
import { PAPER_TRADE_EXECUTED, type PaperTradeEvent } from '../../paper/paper-events';
import { RedisService } from '../../redis/redis.service';
import { SIGNAL_CREATED, type SignalCreatedEvent } from '../../strategy/strategy-events';
import {
  WEBHOOKS_CHANGED,
  paperTradeWebhookEvent,
  predictionWebhookEvent,
  signalWebhookEvent,
  type WebhookEvent,
} from '../webhook-events';
import { WebhookMessagesRepository } from '../webhook-messages.repository';
import { WebhookSubscriptionsRepository } from '../webhook-subscriptions.repository';
import { WebhookDeliveryService } from './webhook-delivery.service';

const FANOUT_ATTEMPTS = 8;
const SUBSCRIBED_TTL_MS = 5000;

/**
 * In workers: turns every `signal.created`, `prediction.updated` and `paper.trade` into one stored
 * message and one delivery job per matching subscription. Every worker hears every event; the
 * message's unique key (subscription, webhook-id) and the deterministic job id make the extra
 * copies no-ops.
 * Delivery runs in its own queue, so a slow receiver never holds up the live path.
 */
@Injectable()
export class WebhookFanoutService implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookFanoutService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisService,
    private readonly subscriptions: WebhookSubscriptionsRepository,
    private readonly messages: WebhookMessagesRepository,
    private readonly delivery: WebhookDeliveryService,
  ) {}

  /** Which event types anyone subscribes to, re-read at most every 5 s and on every change. */
  private subscribed?: { at: number; types: Promise<Set<string>> };

  async onApplicationBootstrap(): Promise<void> {
    const maxAgeMs = parseDuration(this.config.get('MODEL_MAX_AGE'));
    await this.redis.subscribe(
      WEBHOOKS_CHANGED,
      () => (this.subscribed = undefined),
      () => (this.subscribed = undefined),
    );
    await this.redis.subscribe(SIGNAL_CREATED, (message) =>
      this.handle('signal.created', () =>
        signalWebhookEvent(JSON.parse(message) as SignalCreatedEvent),
      ),
    );
    await this.redis.subscribe(PREDICTION_UPDATED, (message) =>
      this.handle('prediction.updated', () =>
        predictionWebhookEvent(JSON.parse(message) as CachedPrediction, maxAgeMs),
      ),
    );
    await this.redis.subscribe(PAPER_TRADE_EXECUTED, (message) =>
      this.handle('paper.trade', () =>
        paperTradeWebhookEvent(JSON.parse(message) as PaperTradeEvent),
      ),
    );
  }

  /** Builds the message only when someone subscribes to its type (the live path's usual case is nobody). */
  private handle(type: string, build: () => WebhookEvent): void {
    const go = (): void => {
      let event: WebhookEvent;
      try {
        event = build();
      } catch (error) {
        this.logger.error(
          `An event could not become a webhook message: ${(error as Error).message}`,
        );
        return;
      }
      void this.fanOutWithRetries(event);
    };
    this.wanted(type).then(
      (wanted) => wanted && go(),
      // Not known (database away): build and try, the retries will wait for it.
      () => go(),
    );
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

  /**
   * Whether any subscription wants this event type: the live path spends no query on events
   * nobody subscribed to. Kept for 5 s, dropped at once when subscriptions change anywhere.
   */
  async wanted(type: string): Promise<boolean> {
    if (!this.subscribed || Date.now() - this.subscribed.at > SUBSCRIBED_TTL_MS) {
      const types = this.subscriptions.subscribedTypes();
      this.subscribed = { at: Date.now(), types };
      types.catch(() => (this.subscribed = undefined));
    }
    return (await this.subscribed.types).has(type);
  }

  /**
   * Stores and queues one event for every subscription that wants it; returns how many. Callers
   * ask `wanted` first, so events nobody subscribes to cost no query.
   */
  async fanOut(event: WebhookEvent): Promise<number> {
    const created = await this.messages.fanOut(event);
    await this.delivery.enqueueFirst(created);
    return created.length;
  }
}
