import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';
import type { TrialResult } from '../engine/model-search';

export type SearchStatus = 'running' | 'evaluating' | 'completed' | 'failed';
export type TrialStatus = 'pending' | 'completed' | 'failed';

/** What a search was asked for, as resolved (defaults filled in). */
export interface SearchRequest {
  kinds: string[];
  space: Record<string, Record<string, unknown>>;
  trials: number;
  folds: number;
  seed: number;
  horizons: number[];
  /** Candidate input lists, one drawn per trial (searches made before it: the defaults). */
  features?: string[][];
}

/** The best trial and, once evaluated, its one run on the test part. */
export interface SearchOutcome {
  trialIndex: number;
  kind: string;
  params: Record<string, number>;
  /** Its inputs, sentiment included when it joined (searches made before it: none stored). */
  features?: string[];
  /** The trial's score: served MAE over persistence's on its validation candles. */
  score: number;
  /** The evaluation on the test part: split (point metrics, Diebold-Mariano) and forecast per horizon. */
  test: Record<string, unknown> | null;
}

/**
 * One hyperparameter search of a market: trials run on the candles before `testFrom` only, then
 * the best is evaluated once on the candles from `testFrom` on.
 */
@Entity({ name: 'model_searches' })
@Index('IDX_model_searches_market', ['exchange', 'symbol', 'interval', 'createdAt'])
export class ModelSearchEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  exchange!: string;

  /** Exchange pair, `BTCUSDT`. */
  @Column({ type: 'varchar', length: 24 })
  symbol!: string;

  @Column({ type: 'varchar', length: 4 })
  interval!: string;

  @Column({ type: 'varchar', length: 12 })
  status!: SearchStatus;

  @Column({ type: 'jsonb' })
  request!: SearchRequest;

  /** First candle the search reads. */
  @Column({ name: 'data_from', type: 'timestamptz' })
  dataFrom!: Date;

  /** First candle of the test part: no trial reads it or anything after it. */
  @Column({ name: 'test_from', type: 'timestamptz' })
  testFrom!: Date;

  /** Last candle of the test part. */
  @Column({ name: 'data_to', type: 'timestamptz' })
  dataTo!: Date;

  @Column({ name: 'trials_total', type: 'integer' })
  trialsTotal!: number;

  @Column({ name: 'trials_done', type: 'integer', default: 0 })
  trialsDone!: number;

  @Column({ type: 'jsonb', nullable: true })
  best!: SearchOutcome | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}

/** A trial's measures once run, with the inputs it was scored on and the sentiment series it joined. */
export type TrialMetrics = TrialResult['metrics'] & {
  features: string[];
  sentimentSource: string | null;
};

/** One trial of a search: its configuration, and once run, its score and fold metrics. */
@Entity({ name: 'model_search_trials' })
export class ModelSearchTrialEntity {
  @PrimaryColumn({ name: 'search_id', type: 'uuid' })
  searchId!: string;

  /** Trials go with their search. */
  @ManyToOne(() => ModelSearchEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'search_id' })
  search?: ModelSearchEntity;

  @PrimaryColumn({ type: 'integer' })
  index!: number;

  @Column({ type: 'varchar', length: 16 })
  kind!: string;

  @Column({ type: 'jsonb' })
  params!: Record<string, number>;

  @Column({ type: 'varchar', length: 12 })
  status!: TrialStatus;

  @Column({ type: 'double precision', nullable: true })
  score!: number | null;

  @Column({ type: 'jsonb', nullable: true })
  metrics!: TrialMetrics | null;

  @Column({ type: 'double precision', nullable: true })
  seconds!: number | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
