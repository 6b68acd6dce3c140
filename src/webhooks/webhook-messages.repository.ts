import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { MicroBatch } from '../common/micro-batch';
import type { WebhookEvent } from './webhook-events';
import { WebhookMessageEntity, type MessageStatus } from './webhook-message.entity';
import type { WebhookSubscriptionEntity } from './webhook-subscription.entity';

/** Where a message's delivery stands. */
export type MessageState = { status: MessageStatus; attempts: number; nextAttemptAt: Date | null };

export interface MessageForDelivery {
  message: Pick<
    WebhookMessageEntity,
    'id' | 'messageId' | 'eventType' | 'body' | 'status' | 'attempts'
  >;
  subscription: Pick<
    WebhookSubscriptionEntity,
    | 'id'
    | 'url'
    | 'enabled'
    | 'secretEncrypted'
    | 'previousSecretEncrypted'
    | 'previousSecretExpiresAt'
  >;
}

interface DeliveryRow {
  id: string;
  message_id: string;
  event_type: string;
  body: string;
  status: MessageStatus;
  attempts: number;
  subscription_id: string;
  url: string;
  enabled: boolean;
  secret_encrypted: string;
  previous_secret_encrypted: string | null;
  previous_secret_expires_at: Date | null;
}

/** The `webhook_messages` table: one stored event per subscription and where its delivery stands. */
@Injectable()
export class WebhookMessagesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get messages() {
    return this.dataSource.getRepository(WebhookMessageEntity);
  }

  /**
   * Stores the event as a message for every enabled subscription that wants it (event type,
   * symbol and strategy filters; owner key not revoked), once per subscription however often the
   * event arrives; subscriptions created after the event do not get it. Returns the rows created now.
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
          AND s.created_at <= to_timestamp($6 / 1000.0)
       ON CONFLICT (subscription_id, message_id) DO NOTHING
       RETURNING id`,
      [event.messageId, event.type, event.body, event.symbol, event.strategyId, event.occurredAt],
    );
    return rows.map((row) => row.id);
  }

  /** Stores an event for one subscription (test events); returns the row, new or existing. */
  async storeFor(subscriptionId: string, event: WebhookEvent): Promise<string> {
    const rows: { id: string }[] = await this.dataSource.query(
      `INSERT INTO webhook_messages (subscription_id, message_id, event_type, body, next_attempt_at)
       VALUES ($1, $2, $3, $4, now())
       ON CONFLICT (subscription_id, message_id) DO UPDATE SET message_id = EXCLUDED.message_id
       RETURNING id`,
      [subscriptionId, event.messageId, event.type, event.body],
    );
    return rows[0]!.id;
  }

  /**
   * The message and what delivering it needs of its subscription. Concurrent delivery jobs share
   * one query (a micro-batch), as they share one statement to record their attempts.
   */
  forDelivery(messageRowId: string): Promise<MessageForDelivery | null> {
    return this.deliveryReads.add(messageRowId);
  }

  private readonly deliveryReads = new MicroBatch<string, MessageForDelivery | null>(
    async (ids) => {
      const rows: DeliveryRow[] = await this.dataSource.query(
        `SELECT m.id, m.message_id, m.event_type, m.body, m.status, m.attempts,
              s.id AS subscription_id, s.url, s.secret_encrypted, s.previous_secret_encrypted,
              s.previous_secret_expires_at,
              -- A revoked owner key stops the retries already queued too, not only new messages.
              (s.enabled AND k.revoked_at IS NULL) AS enabled
         FROM webhook_messages m JOIN webhook_subscriptions s ON s.id = m.subscription_id
         LEFT JOIN api_keys k ON k.id = s.owner_key_id
        WHERE m.id = ANY ($1::uuid[])`,
        [ids],
      );
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => {
        const row = byId.get(id);
        return row ? forDeliveryOf(row) : null;
      });
    },
  );

  async setState(id: string, state: MessageState): Promise<void> {
    await this.messages.update({ id }, state);
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

function forDeliveryOf(row: DeliveryRow): MessageForDelivery {
  return {
    message: {
      id: row.id,
      messageId: row.message_id,
      eventType: row.event_type,
      body: row.body,
      status: row.status,
      attempts: row.attempts,
    },
    subscription: {
      id: row.subscription_id,
      url: row.url,
      enabled: row.enabled,
      secretEncrypted: row.secret_encrypted,
      previousSecretEncrypted: row.previous_secret_encrypted,
      previousSecretExpiresAt: row.previous_secret_expires_at,
    },
  };
}
