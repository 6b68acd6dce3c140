import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

import type { ForecastCalibration } from './engine/forecast-calibration';
import type { HorizonScore, SignificanceResult } from './engine/forecast-scoring';
import type { ModelParams } from './engine/model-params';
import type { TrainingOutcome } from './engine/training-pipeline';

/**
 * A version's hyperparameters as validated, and the sentiment series it joined. Rows are kept
 * across releases: a parameter added later is absent from older rows.
 */
export type ModelVersionParams = Partial<ModelParams> & { sentimentSource?: string };

/** The comparison with the production model on the same test candles, after training. */
export type VersusProduction = SignificanceResult & {
  productionId: string;
  mae: number;
  productionMae: number;
};

/**
 * What training measured, stored with the version. Older rows lack what later releases added
 * (the per-horizon scores and the calibration); `versusProduction` is added when there was a
 * production model to compare with.
 */
export type ModelVersionMetrics = {
  split: TrainingOutcome['evaluation'] & { trainFraction: number };
  forecast?: HorizonScore[];
  calibration?: ForecastCalibration;
  walkForward: TrainingOutcome['walkForward'];
  samples: number;
  trainSamples: number;
  epochsRun: number;
  residualStd: number;
  trainingSeconds: number;
  versusProduction?: VersusProduction;
};

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
  params!: ModelVersionParams;

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
  metrics!: ModelVersionMetrics | null;

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
