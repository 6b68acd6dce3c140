import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LessThan, type DataSource, type FindOptionsWhere } from 'typeorm';
import { MicroBatch } from '../common/micro-batch';
import { WebhookDeliveryEntity } from './webhook-delivery.entity';
import type { MessageState } from './webhook-messages.repository';

type AttemptRecord = Omit<WebhookDeliveryEntity, 'id' | 'message'>;

/** The `webhook_deliveries` table: every attempt at delivering a message, and what came back. */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private get deliveries() {
    return this.dataSource.getRepository(WebhookDeliveryEntity);
  }

  /** A subscription's attempts with their messages, newest first. */
  list(params: {
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
  find(subscriptionId: string, deliveryId: string): Promise<WebhookDeliveryEntity | null> {
    return this.deliveries.findOne({
      where: { id: deliveryId, subscriptionId },
      relations: { message: true },
    });
  }

  /**
   * Records an attempt and where its message now stands, in one statement shared by the
   * concurrent delivery jobs (a micro-batch). A re-run of the same attempt after a crash
   * overwrites its row.
   */
  recordAttempt(attempt: AttemptRecord, state: MessageState): Promise<void> {
    return this.attemptWrites.add({ attempt, state });
  }

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
}
