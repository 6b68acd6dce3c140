import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { HorizonForecast } from './engine/forecast-calibration';

/**
 * Every prediction the live path made, unique per model version and candle, and once the target
 * candle has closed, what really happened (so live accuracy is known).
 */
@Entity({ name: 'predictions' })
@Index('IDX_predictions_market_target', ['exchange', 'symbol', 'interval', 'targetTime'])
@Index('IDX_predictions_market_open', ['exchange', 'symbol', 'interval', 'openTime'])
export class PredictionEntity {
  @PrimaryColumn({ name: 'model_version_id', type: 'uuid' })
  modelVersionId!: string;

  /** Open time of the last candle the prediction saw. */
  @PrimaryColumn({ name: 'open_time', type: 'timestamptz' })
  openTime!: Date;

  @Column({ type: 'varchar', length: 32 })
  exchange!: string;

  @Column({ type: 'varchar', length: 24 })
  symbol!: string;

  @Column({ type: 'varchar', length: 4 })
  interval!: string;

  /** Open time of the candle whose close is predicted. */
  @Column({ name: 'target_time', type: 'timestamptz' })
  targetTime!: Date;

  @Column({ type: 'integer' })
  horizon!: number;

  @Column({ name: 'last_close', type: 'double precision' })
  lastClose!: number;

  @Column({ name: 'predicted_close', type: 'double precision' })
  predictedClose!: number;

  /** Predicted log return of the close over the horizon. */
  @Column({ name: 'predicted_return', type: 'double precision' })
  predictedReturn!: number;

  @Column({ name: 'probability_up', type: 'double precision' })
  probabilityUp!: number;

  /** The whole forecast: every horizon's point, quantiles, volatility and P(up) (null before 2026-12). */
  @Column({ type: 'jsonb', nullable: true })
  horizons!: HorizonForecast[] | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Filled in when the target candle closes. */
  @Column({ name: 'actual_close', type: 'double precision', nullable: true })
  actualClose!: number | null;

  /** |predicted close - actual close|. */
  @Column({ name: 'abs_error', type: 'double precision', nullable: true })
  absError!: number | null;

  /** |last close - actual close|: what persistence would have missed by. */
  @Column({ name: 'persistence_abs_error', type: 'double precision', nullable: true })
  persistenceAbsError!: number | null;
}
