import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * One bucket of one sentiment series: an hour of LunarCrush metrics for a coin, or a day of the
 * Fear & Greed index (symbol `MARKET`). Written idempotently by (source, symbol, time).
 */
@Entity({ name: 'sentiment_points' })
export class SentimentPointEntity {
  @PrimaryColumn({ type: 'varchar', length: 16 })
  source!: string;

  /** Base asset (`BTC`), or `MARKET` for market-wide series. */
  @PrimaryColumn({ type: 'varchar', length: 24 })
  symbol!: string;

  /** Start of the bucket. */
  @PrimaryColumn({ type: 'timestamptz' })
  time!: Date;

  /** 0-100. */
  @Column({ type: 'double precision', nullable: true })
  sentiment!: number | null;

  @Column({ name: 'galaxy_score', type: 'double precision', nullable: true })
  galaxyScore!: number | null;

  @Column({ name: 'alt_rank', type: 'double precision', nullable: true })
  altRank!: number | null;

  @Column({ type: 'double precision', nullable: true })
  interactions!: number | null;

  @Column({ name: 'social_dominance', type: 'double precision', nullable: true })
  socialDominance!: number | null;

  @Column({ name: 'contributors_active', type: 'double precision', nullable: true })
  contributorsActive!: number | null;

  @Column({ name: 'posts_active', type: 'double precision', nullable: true })
  postsActive!: number | null;

  @Column({ type: 'double precision', nullable: true })
  spam!: number | null;

  @Column({ type: 'varchar', length: 32, nullable: true })
  classification!: string | null;

  /** The item as the source sent it (fields not modelled yet). */
  @Column({ type: 'jsonb', nullable: true })
  raw!: Record<string, unknown> | null;

  @Column({ name: 'fetched_at', type: 'timestamptz', default: () => 'now()' })
  fetchedAt!: Date;
}
