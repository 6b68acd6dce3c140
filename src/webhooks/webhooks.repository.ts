import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type Repository } from 'typeorm';
import type { WebhookEvent } from './webhook-events';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookMessageEntity, type MessageStatus } from './webhook-message.entity';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';

export interface MessageForDelivery {
  message: WebhookMessageEntity;
  subscription: WebhookSubscriptionEntity;
}

/** Subscriptions, their messages and every delivery attempt, in PostgreSQL. */
@Injectable()
export class WebhooksRepository {
  readonly subscriptions: Repository<WebhookSubscriptionEntity>;
  readonly messages: Repository<WebhookMessageEntity>;
  readonly deliveries: Repository<WebhookDeliveryEntity>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.subscriptions = dataSource.getRepository(WebhookSubscriptionEntity);
    this.messages = dataSource.getRepository(WebhookMessageEntity);
    this.deliveries = dataSource.getRepository(WebhookDeliveryEntity);
  }

  /**
   * Stores the event as a message for every enabled subscription that wants it (event type,
   * symbol and strategy filters; owner key not revoked), once per subscription however often the
   * event arrives. Returns the rows created now.
   */
  async fanOut(event: WebhookEvent): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `INSERT INTO webhook_messages (subscription_id, message_id, event_type, body, next_attempt_at)
       SELECT s.id, $1::text, $2::text, $3::text, now()
         FROM webhook_subscriptions s
         JOIN api_keys k ON k.id = s.owner_key_id AND k.revoked_at IS NULL
        WHERE s.enabled
          AND $2::text = ANY (s.events)
          AND (s.symbols IS NULL OR $4::text = ANY (s.symbols))
          AND ($5::uuid IS NULL OR s.strategies IS NULL OR $5::uuid = ANY (s.strategies))
       ON CONFLICT (subscription_id, message_id) DO NOTHING
       RETURNING id`,
      [event.messageId, event.type, event.body, event.symbol, event.strategyId],
    );
    return rows.map((row) => row.id);
  }

  /** Stores an event for one subscription (test events); returns the row, new or existing. */
  async messageFor(subscriptionId: string, event: WebhookEvent): Promise<string> {
    const rows: { id: string }[] = await this.dataSource.query(
      `INSERT INTO webhook_messages (subscription_id, message_id, event_type, body, next_attempt_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (subscription_id, message_id) DO UPDATE SET message_id = EXCLUDED.message_id
       RETURNING id`,
      [subscriptionId, event.messageId, event.type, event.body],
    );
    return rows[0]!.id;
  }

  async forDelivery(messageRowId: string): Promise<MessageForDelivery | null> {
    const message = await this.messages.findOne({
      where: { id: messageRowId },
      relations: { subscription: true },
    });
    if (!message?.subscription) {
      return null;
    }
    const { subscription, ...rest } = message;
    return { message: Object.assign(new WebhookMessageEntity(), rest), subscription };
  }

  /** Records an attempt (a re-run of the same attempt after a crash overwrites it). */
  async recordAttempt(attempt: Omit<WebhookDeliveryEntity, 'id' | 'message'>): Promise<void> {
    await this.deliveries.upsert(attempt, ['webhookMessageId', 'attempt']);
  }

  async setMessageState(
    id: string,
    state: { status: MessageStatus; attempts: number; nextAttemptAt: Date | null },
  ): Promise<void> {
    await this.messages.update({ id }, state);
  }

  /** Turns deliveries off for a subscription and says why; false when it already was off. */
  async disable(id: string, reason: string): Promise<boolean> {
    const result = await this.subscriptions
      .createQueryBuilder()
      .update()
      .set({ enabled: false, disabledReason: reason.slice(0, 1000), disabledAt: () => 'now()' })
      .where('id = :id AND enabled', { id })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** Pending messages whose attempt was due long ago: their job was lost before it was queued. */
  async overdue(olderThanMs: number, limit: number): Promise<WebhookMessageEntity[]> {
    return this.messages
      .createQueryBuilder('m')
      .where(`m.status = 'pending'`)
      .andWhere(`m.next_attempt_at < now() - make_interval(secs => :seconds)`, {
        seconds: olderThanMs / 1000,
      })
      .orderBy('m.next_attempt_at', 'ASC')
      .limit(limit)
      .getMany();
  }
}
