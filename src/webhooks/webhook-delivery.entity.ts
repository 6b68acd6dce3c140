import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { WebhookMessageEntity } from './webhook-message.entity';

/** One delivery attempt of a message: what the receiver answered, how long it took, what comes next. */
@Entity({ name: 'webhook_deliveries' })
@Index('UQ_webhook_deliveries_message_attempt', ['webhookMessageId', 'attempt'], { unique: true })
@Index('IDX_webhook_deliveries_subscription_time', ['subscriptionId', 'attemptedAt'])
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'webhook_message_id', type: 'uuid' })
  webhookMessageId!: string;

  @ManyToOne(() => WebhookMessageEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'webhook_message_id' })
  message?: WebhookMessageEntity;

  @Column({ name: 'subscription_id', type: 'uuid' })
  subscriptionId!: string;

  /** 1 for the first try; counts on through retries and replays. */
  @Column({ type: 'integer' })
  attempt!: number;

  @Column({ type: 'boolean' })
  succeeded!: boolean;

  /** The receiver's HTTP status; null when no response arrived (timeout, refused, DNS). */
  @Column({ name: 'status_code', type: 'integer', nullable: true })
  statusCode!: number | null;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  error!: string | null;

  /** The start of the receiver's answer (at most 500 characters), for debugging. */
  @Column({ name: 'response_excerpt', type: 'varchar', length: 500, nullable: true })
  responseExcerpt!: string | null;

  /** When the next retry is due; null after success, the last retry, or a replay. */
  @Column({ name: 'next_attempt_at', type: 'timestamptz', nullable: true })
  nextAttemptAt!: Date | null;

  @Column({ name: 'attempted_at', type: 'timestamptz' })
  attemptedAt!: Date;
}
