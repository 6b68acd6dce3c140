import { Injectable } from '@nestjs/common';
import type { Principal } from '../auth/principal';
import { AppException, ValidationException } from '../common/app.exception';
import { parseTime } from '../common/time-param';
import { isUuid } from '../common/uuid.pipe';
import { AppConfig } from '../config/app-config';
import { MarketCatalogue } from '../market-data/market-catalogue';
import { QueueService } from '../queue/queue.service';
import { JobName } from '../queue/queue.catalogue';
import { StrategiesRepository } from '../strategy/strategies.repository';
import { deliveryJob } from './delivery/webhook-delivery.service';
import { WebhookUrlError, WebhookUrlGuard } from './delivery/webhook-url-guard';
import type {
  CreateWebhookDto,
  UpdateWebhookDto,
  WebhookDeliveriesQueryDto,
} from './dto/webhook.dto';
import {
  WebhookDeliveryDto,
  WebhookDto,
  WebhookMessageQueuedDto,
  WebhookWithSecretDto,
} from './dto/webhook.dto';
import { RedisService } from '../redis/redis.service';
import { WEBHOOKS_CHANGED, testWebhookEvent } from './webhook-events';
import { WebhookSecrets, ROTATION_OVERLAP_MS } from './webhook-secrets.service';
import type { WebhookSubscriptionEntity } from './webhook-subscription.entity';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookMessagesRepository } from './webhook-messages.repository';
import {
  WebhookSubscriptionsRepository,
  type SubscriptionChanges,
} from './webhook-subscriptions.repository';
import type { WebhookDeliveryEntity } from './webhook-delivery.entity';

/** A rotation this soon after the last is taken for a retry of it (see `rotateSecret`). */
const RETRIED_ROTATION_MS = 10 * 60_000;

class WebhooksException extends AppException {}

/**
 * Webhook subscriptions as their owners see them: any key manages its own (admins see all),
 * another key's subscription does not exist for it (404). Secrets are shown once.
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly config: AppConfig,
    private readonly subscriptions: WebhookSubscriptionsRepository,
    private readonly messages: WebhookMessagesRepository,
    private readonly deliveryLog: WebhookDeliveriesRepository,
    private readonly secrets: WebhookSecrets,
    private readonly catalogue: MarketCatalogue,
    private readonly strategies: StrategiesRepository,
    private readonly queues: QueueService,
    private readonly redis: RedisService,
    private readonly guard: WebhookUrlGuard,
  ) {}

  async create(principal: Principal, input: CreateWebhookDto): Promise<WebhookWithSecretDto> {
    const limit = this.config.get('WEBHOOK_MAX_PER_KEY');
    const url = await this.checkedUrl(input.url);
    const { secret, sealed } = this.secrets.create();
    const created = await this.subscriptions.createWithin(
      {
        ownerKeyId: principal.apiKeyId,
        url,
        events: [...new Set(input.events)],
        symbols: input.symbols ? this.symbols(input.symbols) : null,
        strategies: input.strategies ? await this.strategyIds(input.strategies) : null,
        description: input.description ?? null,
        secretEncrypted: sealed,
        previousSecretEncrypted: null,
        previousSecretExpiresAt: null,
        enabled: true,
        disabledReason: null,
        disabledAt: null,
      },
      limit,
    );
    if (!('saved' in created)) {
      throw new WebhooksException(
        'CONFLICT',
        `API key ${principal.prefix}… already has ${created.owned} webhook subscriptions (WEBHOOK_MAX_PER_KEY is ${limit}); delete one first`,
      );
    }
    await this.announceChange();
    return Object.assign(new WebhookWithSecretDto(), toDto(created.saved), { secret });
  }

  async list(principal: Principal): Promise<WebhookDto[]> {
    const rows = await this.subscriptions.list(
      principal.role === 'admin' ? undefined : principal.apiKeyId,
    );
    return rows.map(toDto);
  }

  async get(principal: Principal, id: string): Promise<WebhookDto> {
    return toDto(await this.owned(principal, id));
  }

  async update(principal: Principal, id: string, input: UpdateWebhookDto): Promise<WebhookDto> {
    const subscription = await this.owned(principal, id);
    // Only the fields given are written: saving the whole entity would also write back the
    // `enabled` it was read with, undoing a worker's disabling that landed in between.
    const changes: SubscriptionChanges = {};
    if (input.url !== undefined) {
      changes.url = await this.checkedUrl(input.url);
    }
    if (input.events !== undefined) {
      changes.events = [...new Set(input.events)];
    }
    if (input.symbols !== undefined) {
      changes.symbols = input.symbols === null ? null : this.symbols(input.symbols);
    }
    if (input.strategies !== undefined) {
      changes.strategies =
        input.strategies === null ? null : await this.strategyIds(input.strategies);
    }
    if (input.description !== undefined) {
      changes.description = input.description;
    }
    if (Object.keys(changes).length) {
      await this.subscriptions.update(subscription.id, changes);
      await this.announceChange();
    }
    return toDto(await this.subscriptions.findOrFail(subscription.id));
  }

  async remove(principal: Principal, id: string): Promise<void> {
    const subscription = await this.owned(principal, id);
    await this.subscriptions.delete(subscription.id);
    await this.announceChange();
  }

  /**
   * A new secret, shown once; the old one keeps signing for 24 h so receivers can switch. A
   * rotation within RETRIED_ROTATION_MS of the last one is taken for a retry of it (its answer,
   * and the secret in it, lost on the way): it replaces that rotation's secret and keeps the one
   * before it signing, so receivers that never switched are not cut off. Two rotations at once:
   * one wins, the other is a 409.
   */
  async rotateSecret(principal: Principal, id: string): Promise<WebhookWithSecretDto> {
    const subscription = await this.owned(principal, id);
    const { secret, sealed } = this.secrets.create();
    const now = Date.now();
    const lastRotatedAt = subscription.previousSecretExpiresAt
      ? subscription.previousSecretExpiresAt.getTime() - ROTATION_OVERLAP_MS
      : undefined;
    const retried = lastRotatedAt !== undefined && now - lastRotatedAt < RETRIED_ROTATION_MS;
    const replaced = await this.subscriptions.replaceSecrets(
      subscription.id,
      subscription.secretEncrypted,
      {
        secretEncrypted: sealed,
        previousSecretEncrypted: retried
          ? subscription.previousSecretEncrypted
          : subscription.secretEncrypted,
        previousSecretExpiresAt: retried
          ? subscription.previousSecretExpiresAt
          : new Date(now + ROTATION_OVERLAP_MS),
      },
    );
    if (!replaced) {
      throw new WebhooksException(
        'CONFLICT',
        `The secret of webhook ${id} was rotated by another request just now; rotate again if you need a secret of your own`,
      );
    }
    const saved = await this.subscriptions.findOrFail(subscription.id);
    return Object.assign(new WebhookWithSecretDto(), toDto(saved), { secret });
  }

  async enable(principal: Principal, id: string): Promise<WebhookDto> {
    const subscription = await this.owned(principal, id);
    const saved = await this.subscriptions.enable(subscription);
    await this.announceChange();
    return toDto(saved);
  }

  /** Workers re-read which event types anyone subscribes to. */
  private async announceChange(): Promise<void> {
    await this.redis.publish(WEBHOOKS_CHANGED, '1');
  }

  /** Sends a `webhook.test` event to this subscription alone. */
  async test(principal: Principal, id: string): Promise<WebhookMessageQueuedDto> {
    const subscription = await this.enabledOwned(principal, id);
    const event = testWebhookEvent(subscription.id);
    const messageRowId = await this.messages.storeFor(subscription.id, event);
    const jobId = await this.queues.enqueue({
      name: JobName.DeliverWebhook,
      ...deliveryJob(messageRowId, 1, 0),
    });
    return Object.assign(new WebhookMessageQueuedDto(), {
      messageId: event.messageId,
      type: event.type,
      jobId,
    });
  }

  /** Attempts, newest first. */
  async deliveries(
    principal: Principal,
    id: string,
    query: WebhookDeliveriesQueryDto,
  ): Promise<WebhookDeliveryDto[]> {
    const subscription = await this.owned(principal, id);
    const rows = await this.deliveryLog.list({
      subscriptionId: subscription.id,
      succeeded: query.outcome ? query.outcome === 'succeeded' : undefined,
      before: query.before ? new Date(parseTime(query.before, 'before')) : undefined,
      limit: query.limit ?? 100,
    });
    return rows.map(deliveryDto);
  }

  /** Sends a message again (same webhook-id and body, a fresh signature), one attempt. */
  async replay(
    principal: Principal,
    id: string,
    deliveryId: string,
  ): Promise<WebhookMessageQueuedDto> {
    const subscription = await this.enabledOwned(principal, id);
    const delivery = isUuid(deliveryId)
      ? await this.deliveryLog.find(subscription.id, deliveryId)
      : null;
    if (!delivery?.message) {
      throw new WebhooksException('NOT_FOUND', `Webhook ${id} has no delivery ${deliveryId}`);
    }
    const { message } = delivery;
    if (message.status === 'pending') {
      throw new WebhooksException(
        'CONFLICT',
        `Message ${message.messageId} is still being delivered (next attempt ${message.nextAttemptAt?.toISOString() ?? 'now'}); replay it once it has failed`,
      );
    }
    await this.messages.setState(message.id, {
      status: 'pending',
      attempts: message.attempts,
      nextAttemptAt: new Date(),
    });
    // Again: the job of that attempt may still be kept as finished (a retry that found the
    // subscription disabled, for one), and BullMQ would ignore the add.
    const jobId = await this.queues.enqueueAgain({
      name: JobName.DeliverWebhook,
      ...deliveryJob(message.id, message.attempts + 1, null),
    });
    return Object.assign(new WebhookMessageQueuedDto(), {
      messageId: message.messageId,
      type: message.eventType,
      jobId,
    });
  }

  private async owned(principal: Principal, id: string): Promise<WebhookSubscriptionEntity> {
    const subscription = isUuid(id) ? await this.subscriptions.find(id) : null;
    // Another key's subscription is indistinguishable from a missing one.
    if (
      !subscription ||
      (principal.role !== 'admin' && subscription.ownerKeyId !== principal.apiKeyId)
    ) {
      throw new WebhooksException('NOT_FOUND', `No webhook subscription ${id.slice(0, 64)}`);
    }
    return subscription;
  }

  private async enabledOwned(principal: Principal, id: string): Promise<WebhookSubscriptionEntity> {
    const subscription = await this.owned(principal, id);
    if (!subscription.enabled) {
      throw new WebhooksException(
        'CONFLICT',
        `Webhook ${id} is disabled (${subscription.disabledReason ?? 'no reason recorded'}); POST /webhooks/${id}/enable first`,
      );
    }
    return subscription;
  }

  private async checkedUrl(raw: string): Promise<string> {
    try {
      return (await this.guard.check(raw.trim())).toString();
    } catch (error) {
      if (error instanceof WebhookUrlError) {
        throw new ValidationException([{ field: 'url', problem: error.message }]);
      }
      throw error;
    }
  }

  private symbols(input: string[]): string[] {
    const symbols = input.map((symbol) => {
      try {
        return this.catalogue.resolveSymbol(symbol);
      } catch {
        throw new ValidationException([
          {
            field: 'symbols',
            problem: `contains unknown symbol ${symbol.slice(0, 20)}; known: ${this.catalogue.bases.join(', ')}`,
          },
        ]);
      }
    });
    return [...new Set(symbols)];
  }

  private async strategyIds(input: string[]): Promise<string[]> {
    const ids = [...new Set(input.map((id) => id.toLowerCase()))];
    const found = new Set(await this.strategies.existing(ids));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length) {
      throw new ValidationException([
        { field: 'strategies', problem: `contains unknown strategy id(s) ${missing.join(', ')}` },
      ]);
    }
    return ids;
  }
}

function toDto(row: WebhookSubscriptionEntity): WebhookDto {
  return Object.assign(new WebhookDto(), {
    id: row.id,
    url: row.url,
    events: row.events,
    symbols: row.symbols,
    strategies: row.strategies,
    description: row.description,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    disabledAt: row.disabledAt,
    previousSecretExpiresAt:
      row.previousSecretExpiresAt && row.previousSecretExpiresAt.getTime() > Date.now()
        ? row.previousSecretExpiresAt
        : null,
    ownerKeyId: row.ownerKeyId,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  });
}

function deliveryDto(row: WebhookDeliveryEntity): WebhookDeliveryDto {
  return Object.assign(new WebhookDeliveryDto(), {
    id: row.id,
    messageId: row.message?.messageId ?? '',
    eventType: row.message?.eventType ?? '',
    attempt: row.attempt,
    succeeded: row.succeeded,
    statusCode: row.statusCode,
    durationMs: row.durationMs,
    error: row.error,
    responseExcerpt: row.responseExcerpt,
    nextAttemptAt: row.nextAttemptAt,
    attemptedAt: row.attemptedAt,
    messageStatus: row.message?.status ?? 'unknown',
  });
}
