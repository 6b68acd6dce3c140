import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { WalkForwardBlock } from '../models/engine/walk-forward-predictions';
import type { PerformanceMetrics, Trade } from './engine/backtest';
import type { PositionSizing } from './engine/strategy-definition';

/** How a backtest fills and sizes, and how it makes predictions where none were stored. */
export interface BacktestParams {
  startingCash: number;
  feeRate: number;
  slippage: number;
  sizing: PositionSizing;
  /** Absent from backtests stored before walk-forward predictions. */
  walkForward?: boolean;
  retrainEvery?: number;
  modelParams?: Record<string, number>;
}

/** A finished backtest's figures as stored. */
export interface StoredBacktestResult {
  strategy: PerformanceMetrics;
  buyAndHold: PerformanceMetrics;
  /** `[time, equity]` pairs at the same candles as `equity`; absent from older backtests. */
  buyAndHoldEquity?: [number, number][];
  candles: number;
  predictionsUsed: number;
  predictionsStored: number;
  predictionsGenerated: number;
  walkForwardBlocks: WalkForwardBlock[];
  strategyVersion: number;
}

/** One backtest request and, once its job has run, its results (trades and equity curve included). */
@Entity({ name: 'backtests' })
@Index('IDX_backtests_created', ['createdAt'])
export class BacktestEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'strategy_id', type: 'uuid' })
  strategyId!: string;

  @Column({ type: 'varchar', length: 32 })
  exchange!: string;

  /** Exchange pair, `BTCUSDT`. */
  @Column({ type: 'varchar', length: 24 })
  symbol!: string;

  @Column({ type: 'varchar', length: 4 })
  interval!: string;

  @Column({ name: 'from_time', type: 'timestamptz' })
  fromTime!: Date;

  @Column({ name: 'to_time', type: 'timestamptz' })
  toTime!: Date;

  @Column({ type: 'jsonb' })
  params!: BacktestParams;

  @Column({ type: 'varchar', length: 12 })
  status!: string;

  @Column({ name: 'job_id', type: 'varchar', length: 200, nullable: true })
  jobId!: string | null;

  /** Strategy and buy-and-hold metrics, candles, predictions used. */
  @Column({ type: 'jsonb', nullable: true })
  result!: StoredBacktestResult | null;

  @Column({ type: 'jsonb', nullable: true })
  trades!: Trade[] | null;

  /** Equity at each candle close, [time, equity] pairs (at most 2,000 points, evenly thinned). */
  @Column({ type: 'jsonb', nullable: true })
  equity!: [number, number][] | null;

  @Column({ type: 'text', nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
