import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const BACKTEST_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;

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

  /** startingCash, feeRate, slippage, sizing. */
  @Column({ type: 'jsonb' })
  params!: Record<string, unknown>;

  @Column({ type: 'varchar', length: 12 })
  status!: string;

  @Column({ name: 'job_id', type: 'varchar', length: 200, nullable: true })
  jobId!: string | null;

  /** Strategy and buy-and-hold metrics, candles, predictions used. */
  @Column({ type: 'jsonb', nullable: true })
  result!: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true })
  trades!: unknown[] | null;

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
