import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A range of candles the exchange answered as empty: an outage or maintenance window. Checked
 * again a few times with growing spacing (a lagging exchange fills in later); once confirmed
 * often enough (`GAP_CONFIRMATIONS`) it is final and never fetched again by routine repair.
 */
@Entity({ name: 'known_gaps' })
export class KnownGapEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  exchange!: string;

  @PrimaryColumn({ type: 'varchar', length: 24 })
  symbol!: string;

  @PrimaryColumn({ type: 'varchar', length: 4 })
  interval!: string;

  /** Open time of the first missing candle. */
  @PrimaryColumn({ name: 'from_time', type: 'timestamptz' })
  fromTime!: Date;

  /** Open time of the last missing candle. */
  @Column({ name: 'to_time', type: 'timestamptz' })
  toTime!: Date;

  /** How many times the exchange answered this range with no candles. */
  @Column({ type: 'integer', default: 1 })
  checks!: number;

  @Column({ type: 'boolean', default: false })
  confirmed!: boolean;

  @Column({ name: 'first_checked_at', type: 'timestamptz', default: () => 'now()' })
  firstCheckedAt!: Date;

  @Column({ name: 'last_checked_at', type: 'timestamptz', default: () => 'now()' })
  lastCheckedAt!: Date;

  /** Routine repair leaves the range alone until then. */
  @Column({ name: 'next_check_at', type: 'timestamptz', nullable: true })
  nextCheckAt!: Date | null;
}
