import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, LessThan, type FindOptionsWhere } from 'typeorm';
import { MicroBatch } from '../common/micro-batch';
import { lockUntilCommit } from '../database/data-source';
import type { PaperTradeEvent } from '../paper/paper-events';
import type { WebhookEvent } from './webhook-events';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import { WebhookMessageEntity, type MessageStatus } from './webhook-message.entity';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';

/** What a new subscription is made of (ids and timestamps are the database's). */
export type NewSubscription = Omit<
  WebhookSubscriptionEntity,
  'id' | 'owner' | 'createdAt' | 'updatedAt'
>;

/** The fields an owner can change on a subscription. */
export type SubscriptionChanges = Partial<
  Pick<WebhookSubscriptionEntity, 'url' | 'events' | 'symbols' | 'strategies' | 'description'>
>;

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

/** A paper order as the sweep reads it back: its event but the base asset (the caller knows it). */
export type StoredPaperTrade = Omit<PaperTradeEvent, 'symbol'>;

interface PaperTradeRow {
  order_id: string;
  account_id: string;
  account_name: string;
  strategy_id: string;
  pair: string;
  interval: string;
  side: 'BUY' | 'SELL';
  reason: PaperTradeEvent['reason'];
  decision_ms: number | null;
  fill_ms: number;
  price: number;
  quantity: number;
  fee: number;
  created_ms: number;
  entry_ms: number | null;
  exit_ms: number | null;
  entry_price: number | null;
  exit_price: number | null;
  trade_quantity: number | null;
  fees: number | null;
  profit: number | null;
  return_pct: number | null;
  exit_reason: NonNullable<PaperTradeEvent['trade']>['exitReason'] | null;
}

const epochMs = (column: string) => `round(extract(epoch FROM ${column}) * 1000)::float8`;

type AttemptRecord = Omit<WebhookDeliveryEntity, 'id' | 'message'>;
type MessageState = { status: MessageStatus; attempts: number; nextAttemptAt: Date | null };

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

/** Subscriptions, their messages and every delivery attempt, in PostgreSQL. */
@Injectable()
export class WebhooksRepository {
  /**
   * Saves a new subscription unless its owner already has `limit` (null then), counted and
   * inserted under a per-owner lock so that concurrent creations cannot pass the limit together.
   */
  async createWithin(
    fields: NewSubscription,
    limit: number,
  ): Promise<{ saved: WebhookSubscriptionEntity } | { owned: number }> {
    const subscription = this.subscriptions.create(fields);
    return this.dataSource.transaction(async (manager) => {
      await lockUntilCommit(manager, `webhook_subscriptions:${subscription.ownerKeyId}`);
      const repository = manager.getRepository(WebhookSubscriptionEntity);
      const owned = await repository.count({ where: { ownerKeyId: subscription.ownerKeyId } });
      return owned >= limit ? { owned } : { saved: await repository.save(subscription) };
    });
  }

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get subscriptions() {
    return this.dataSource.getRepository(WebhookSubscriptionEntity);
  }

  private get messages() {
    return this.dataSource.getRepository(WebhookMessageEntity);
  }

  private get deliveries() {
    return this.dataSource.getRepository(WebhookDeliveryEntity);
  }

  /** Subscriptions oldest first: one owner's, or everyone's when no owner is given. */
  listSubscriptions(ownerKeyId?: string): Promise<WebhookSubscriptionEntity[]> {
    return this.subscriptions.find({
      where: ownerKeyId === undefined ? {} : { ownerKeyId },
      order: { createdAt: 'ASC' },
    });
  }

  findSubscription(id: string): Promise<WebhookSubscriptionEntity | null> {
    return this.subscriptions.findOne({ where: { id } });
  }

  /** A subscription known to exist (read back after a write). */
  subscriptionOrFail(id: string): Promise<WebhookSubscriptionEntity> {
    return this.subscriptions.findOneByOrFail({ id });
  }

  /** Writes only the fields given, so a worker's disabling in between is not undone. */
  async updateSubscription(id: string, changes: SubscriptionChanges): Promise<void> {
    await this.subscriptions.update({ id }, changes);
  }

  async deleteSubscription(id: string): Promise<void> {
    await this.subscriptions.delete({ id });
  }

  /**
   * Replaces the secrets if the current one is still `currentSecret` (compare-and-set); false
   * when another rotation got there first.
   */
  async replaceSecrets(
    id: string,
    currentSecret: string,
    secrets: Pick<
      WebhookSubscriptionEntity,
      'secretEncrypted' | 'previousSecretEncrypted' | 'previousSecretExpiresAt'
    >,
  ): Promise<boolean> {
    const result = await this.subscriptions.update({ id, secretEncrypted: currentSecret }, secrets);
    return result.affected === 1;
  }

  /** Turns deliveries back on and forgets why they were off. */
  enable(subscription: WebhookSubscriptionEntity): Promise<WebhookSubscriptionEntity> {
    subscription.enabled = true;
    subscription.disabledReason = null;
    subscription.disabledAt = null;
    return this.subscriptions.save(subscription);
  }

  /** A subscription's attempts with their messages, newest first. */
  listDeliveries(params: {
    subscriptionId: string;
    succeeded?: boolean;
    before?: Date;
    limit: number;
  }): Promise<WebhookDeliveryEntity[]> {
    const where: FindOptionsWhere<WebhookDeliveryEntity> = {
      subscriptionId: params.subscriptionId,
    };
    if (params.succeeded !== undefined) {
      where.succeeded = params.succeeded;
    }
    if (params.before) {
      where.attemptedAt = LessThan(params.before);
    }
    return this.deliveries.find({
      where,
      relations: { message: true },
      order: { attemptedAt: 'DESC', attempt: 'DESC' },
      take: params.limit,
    });
  }

  /** One attempt of a subscription, with its message. */
  findDelivery(subscriptionId: string, deliveryId: string): Promise<WebhookDeliveryEntity | null> {
    return this.deliveries.findOne({
      where: { id: deliveryId, subscriptionId },
      relations: { message: true },
    });
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

  /**
   * Paper orders the trader committed since `since` (epoch ms), oldest first, as their
   * `paper.trade` events were built (read-only use of the paper tables; `executedAt` is the
   * commit's time). Closing orders (`end`) are left out: closing an account publishes none.
   */
  async paperTradesSince(since: number, limit: number): Promise<StoredPaperTrade[]> {
    const rows: PaperTradeRow[] = await this.dataSource.query(
      `SELECT o.id AS order_id, o.account_id, a.name AS account_name, a.strategy_id, o.symbol AS pair,
              a.interval, o.side, o.reason, ${epochMs('o.decision_time')} AS decision_ms,
              ${epochMs('o.fill_time')} AS fill_ms, f.price, f.quantity, f.fee,
              ${epochMs('o.created_at')} AS created_ms,
              ${epochMs('t.entry_time')} AS entry_ms, ${epochMs('t.exit_time')} AS exit_ms,
              t.entry_price, t.exit_price, t.quantity AS trade_quantity, t.fees, t.profit, t.return_pct,
              t.exit_reason
         FROM paper_orders o
         JOIN paper_accounts a ON a.id = o.account_id
         JOIN paper_fills f ON f.order_id = o.id
         LEFT JOIN paper_trades t
           ON o.side = 'SELL' AND t.account_id = o.account_id AND t.symbol = o.symbol
          AND t.exit_time = o.fill_time
        WHERE o.created_at >= to_timestamp($1 / 1000.0) AND o.reason <> 'end'
        ORDER BY o.created_at, o.fill_time
        LIMIT $2`,
      [since, limit],
    );
    return rows.map((row) => ({
      orderId: row.order_id,
      accountId: row.account_id,
      accountName: row.account_name,
      strategyId: row.strategy_id,
      pair: row.pair,
      interval: row.interval,
      side: row.side,
      reason: row.reason,
      decisionTime: row.decision_ms,
      fillTime: row.fill_ms,
      price: row.price,
      quantity: row.quantity,
      fee: row.fee,
      trade:
        row.entry_ms === null || row.exit_ms === null || row.exit_reason === null
          ? null
          : {
              entryTime: row.entry_ms,
              entryPrice: row.entry_price ?? 0,
              exitTime: row.exit_ms,
              exitPrice: row.exit_price ?? 0,
              quantity: row.trade_quantity ?? 0,
              fees: row.fees ?? 0,
              profit: row.profit ?? 0,
              returnPct: row.return_pct ?? 0,
              exitReason: row.exit_reason,
            },
      executedAt: row.created_ms,
    }));
  }

  /** The event types some enabled subscription of a live key asks for. */
  async subscribedTypes(): Promise<Set<string>> {
    const rows: { type: string }[] = await this.dataSource.query(
      `SELECT DISTINCT unnest(s.events) AS type FROM webhook_subscriptions s
         JOIN api_keys k ON k.id = s.owner_key_id AND k.revoked_at IS NULL
        WHERE s.enabled`,
    );
    return new Set(rows.map((row) => row.type));
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

  /**
   * The message and what delivering it needs of its subscription. Concurrent delivery jobs share
   * one query (a micro-batch), as they share one statement to record their attempts.
   */
  forDelivery(messageRowId: string): Promise<MessageForDelivery | null> {
    return this.deliveryReads.add(messageRowId);
  }

  /**
   * Records an attempt and where its message now stands. A re-run of the same attempt after a
   * crash overwrites its row.
   */
  recordAttempt(attempt: AttemptRecord, state: MessageState): Promise<void> {
    return this.attemptWrites.add({ attempt, state });
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

  private readonly attemptWrites = new MicroBatch<
    { attempt: AttemptRecord; state: MessageState },
    void
  >(async (inputs) => {
    // One row per message and attempt (a batch never holds the same attempt twice, but be sure).
    const latest = new Map(
      inputs.map((input) => [`${input.attempt.webhookMessageId}/${input.attempt.attempt}`, input]),
    );
    const records = [...latest.values()].map(({ attempt, state }) => ({
      message_id: attempt.webhookMessageId,
      subscription_id: attempt.subscriptionId,
      attempt: attempt.attempt,
      succeeded: attempt.succeeded,
      status_code: attempt.statusCode,
      duration_ms: attempt.durationMs,
      error: attempt.error,
      response_excerpt: attempt.responseExcerpt,
      next_attempt_at: attempt.nextAttemptAt?.toISOString() ?? null,
      attempted_at: attempt.attemptedAt.toISOString(),
      status: state.status,
      attempts: state.attempts,
      state_next_attempt_at: state.nextAttemptAt?.toISOString() ?? null,
    }));
    await this.dataSource.query(
      `WITH input AS (
           SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(message_id uuid, subscription_id uuid, attempt int,
             succeeded boolean, status_code int, duration_ms int, error text, response_excerpt text,
             next_attempt_at timestamptz, attempted_at timestamptz, status text, attempts int,
             state_next_attempt_at timestamptz)
         ), recorded AS (
           INSERT INTO webhook_deliveries (webhook_message_id, subscription_id, attempt, succeeded, status_code,
             duration_ms, error, response_excerpt, next_attempt_at, attempted_at)
           SELECT message_id, subscription_id, attempt, succeeded, status_code, duration_ms, error, response_excerpt,
             next_attempt_at, attempted_at FROM input
           ON CONFLICT (webhook_message_id, attempt) DO UPDATE SET succeeded = EXCLUDED.succeeded,
             status_code = EXCLUDED.status_code, duration_ms = EXCLUDED.duration_ms, error = EXCLUDED.error,
             response_excerpt = EXCLUDED.response_excerpt, next_attempt_at = EXCLUDED.next_attempt_at,
             attempted_at = EXCLUDED.attempted_at
         )
         UPDATE webhook_messages m SET status = input.status, attempts = input.attempts,
           next_attempt_at = input.state_next_attempt_at
           FROM input WHERE m.id = input.message_id`,
      [JSON.stringify(records)],
    );
    return inputs.map(() => undefined);
  });

  async setMessageState(id: string, state: MessageState): Promise<void> {
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
