import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { ApiKeyEntity } from '../auth/api-key.entity';

/** A third party's webhook endpoint: which events it wants and the secret its deliveries are signed with. */
@Entity({ name: 'webhook_subscriptions' })
@Index('IDX_webhook_subscriptions_owner', ['ownerKeyId'])
export class WebhookSubscriptionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The API key that created it; only that key (and admins) can see or change it. */
  @Column({ name: 'owner_key_id', type: 'uuid' })
  ownerKeyId!: string;

  @ManyToOne(() => ApiKeyEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'owner_key_id' })
  owner?: ApiKeyEntity;

  @Column({ type: 'varchar', length: 2048 })
  url!: string;

  /** Event types delivered (`signal.created`, `prediction.updated`, `paper.trade`). */
  @Column({ type: 'text', array: true })
  events!: string[];

  /** Base assets (`BTC`) to deliver events of; null = every symbol. */
  @Column({ type: 'text', array: true, nullable: true })
  symbols!: string[] | null;

  /** Strategy ids whose signals are delivered; null = every strategy. */
  @Column({ type: 'uuid', array: true, nullable: true })
  strategies!: string[] | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  description!: string | null;

  /** The signing secret (`whsec_...`), encrypted with SECRET_KEY. */
  @Column({ name: 'secret_encrypted', type: 'text' })
  secretEncrypted!: string;

  /** The secret before the last rotation; it keeps signing until `previousSecretExpiresAt`. */
  @Column({ name: 'previous_secret_encrypted', type: 'text', nullable: true })
  previousSecretEncrypted!: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt!: Date | null;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  /** Why deliveries stopped (410 Gone, retries exhausted); null while enabled. */
  @Column({ name: 'disabled_reason', type: 'varchar', length: 1000, nullable: true })
  disabledReason!: string | null;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
