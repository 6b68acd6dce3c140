import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
} from 'typeorm';
import { WebhookSubscriptionEntity } from './webhook-subscription.entity';

export type MessageStatus = 'pending' | 'succeeded' | 'failed';

/**
 * One event for one subscription: the exact body every attempt sends (so retries carry the same
 * `webhook-id` and bytes) and where its delivery stands. One row per event and subscription.
 */
@Entity({ name: 'webhook_messages' })
@Index('UQ_webhook_messages_subscription_message', ['subscriptionId', 'messageId'], {
  unique: true,
})
@Index('IDX_webhook_messages_status_next', ['status', 'nextAttemptAt'])
export class WebhookMessageEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'subscription_id', type: 'uuid' })
  subscriptionId!: string;

  @ManyToOne(() => WebhookSubscriptionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'subscription_id' })
  subscription?: WebhookSubscriptionEntity;

  /** The `webhook-id` header (`msg_...`): the same for every subscriber and every retry of an event. */
  @Column({ name: 'message_id', type: 'varchar', length: 64 })
  messageId!: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType!: string;

  /** The JSON body `{type, timestamp, data}`, byte for byte. */
  @Column({ type: 'text' })
  body!: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: MessageStatus;

  /** Attempts made so far (replays included). */
  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
