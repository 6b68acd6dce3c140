import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { FiredRule } from './engine/rule-evaluation';

/**
 * The forecast a decision read, as the signal records it. Signals decided at the close also
 * record the predicted close and horizon; those decided late, from the stored forecast, do not.
 */
export type SignalPrediction = {
  modelVersionId: string | null;
  predictedReturn: number;
  probabilityUp: number;
  predictedClose?: number;
  horizon?: number;
  volatility?: number | null;
};

/** A decision of one strategy version for one market and candle: unique, however often the event comes. */
@Entity({ name: 'signals' })
@Index('IDX_signals_market_time', ['exchange', 'symbol', 'interval', 'openTime'])
export class SignalEntity {
  @PrimaryColumn({ name: 'strategy_id', type: 'uuid' })
  strategyId!: string;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  exchange!: string;

  /** Exchange pair, `BTCUSDT`. */
  @PrimaryColumn({ type: 'varchar', length: 24 })
  symbol!: string;

  @PrimaryColumn({ type: 'varchar', length: 4 })
  interval!: string;

  /** Open time of the candle the decision is made at (taken at its close). */
  @PrimaryColumn({ name: 'open_time', type: 'timestamptz' })
  openTime!: Date;

  @Column({ type: 'varchar', length: 4 })
  action!: string;

  @Column({ type: 'double precision' })
  score!: number;

  @Column({ type: 'double precision' })
  confidence!: number;

  /** The rules that fired, with their input values and weights. */
  @Column({ type: 'jsonb' })
  reasons!: FiredRule[];

  /** The prediction used (null when the strategy ran without a model). */
  @Column({ type: 'jsonb', nullable: true })
  prediction!: SignalPrediction | null;

  @Column({ name: 'model_version_id', type: 'uuid', nullable: true })
  modelVersionId!: string | null;

  @Column({ name: 'close', type: 'double precision' })
  close!: number;

  /**
   * How long after the candle's close the decision was taken, when it was taken late (by catch-up
   * after an outage or restart); null when the live path decided at the close.
   */
  @Column({ name: 'late_ms', type: 'bigint', nullable: true })
  lateMs!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
