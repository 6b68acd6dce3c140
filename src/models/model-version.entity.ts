import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const MODEL_STATUSES = ['training', 'candidate', 'production', 'retired', 'failed'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

/**
 * One trained (or training) model of one market. At most one is `production` per market (a
 * partial unique index); a version becomes usable only with its artifact, in one transaction.
 */
@Entity({ name: 'model_versions' })
@Index('IDX_model_versions_market_status', ['exchange', 'symbol', 'interval', 'status'])
@Index('UQ_model_versions_one_production', ['exchange', 'symbol', 'interval'], {
  unique: true,
  where: `"status" = 'production'`,
})
export class ModelVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  exchange!: string;

  /** Exchange pair, `BTCUSDT`. */
  @Column({ type: 'varchar', length: 24 })
  symbol!: string;

  @Column({ type: 'varchar', length: 4 })
  interval!: string;

  @Column({ type: 'varchar', length: 16, default: 'lstm' })
  kind!: string;

  @Column({ type: 'varchar', length: 16 })
  status!: ModelStatus;

  /** Hyperparameters as validated (every default filled in). */
  @Column({ type: 'jsonb' })
  params!: Record<string, unknown>;

  /** Feature names, in input order. */
  @Column({ type: 'jsonb' })
  features!: string[];

  /** Candles the model was trained and evaluated on. */
  @Column({ name: 'data_from', type: 'timestamptz', nullable: true })
  dataFrom!: Date | null;

  @Column({ name: 'data_to', type: 'timestamptz', nullable: true })
  dataTo!: Date | null;

  /** Evaluation of the model and the baselines (chronological split and walk-forward). */
  @Column({ type: 'jsonb', nullable: true })
  metrics!: Record<string, unknown> | null;

  /** TensorFlow.js backend it was trained on: tensorflow, wasm or cpu. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  backend!: string | null;

  @Column({ name: 'job_id', type: 'varchar', length: 200, nullable: true })
  jobId!: string | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'trained_at', type: 'timestamptz', nullable: true })
  trainedAt!: Date | null;

  @Column({ name: 'promoted_at', type: 'timestamptz', nullable: true })
  promotedAt!: Date | null;

  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt!: Date | null;
}
