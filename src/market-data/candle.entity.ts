import { Column, Entity, PrimaryColumn } from 'typeorm';

/** One exchange candle. Bulk writes go through `CandlesRepository` (COPY + upsert), not `save()`. */
@Entity({ name: 'candles' })
export class CandleEntity {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  exchange!: string;

  /** The exchange pair, `BTCUSDT`. */
  @PrimaryColumn({ type: 'varchar', length: 24 })
  symbol!: string;

  @PrimaryColumn({ type: 'varchar', length: 4 })
  interval!: string;

  @PrimaryColumn({ name: 'open_time', type: 'timestamptz' })
  openTime!: Date;

  @Column({ type: 'double precision' })
  open!: number;

  @Column({ type: 'double precision' })
  high!: number;

  @Column({ type: 'double precision' })
  low!: number;

  @Column({ type: 'double precision' })
  close!: number;

  /** Base-asset volume. */
  @Column({ type: 'double precision' })
  volume!: number;

  @Column({ name: 'quote_volume', type: 'double precision', nullable: true })
  quoteVolume!: number | null;

  @Column({ name: 'trade_count', type: 'integer', nullable: true })
  tradeCount!: number | null;

  @Column({ name: 'taker_buy_base_volume', type: 'double precision', nullable: true })
  takerBuyBaseVolume!: number | null;

  @Column({ name: 'taker_buy_quote_volume', type: 'double precision', nullable: true })
  takerBuyQuoteVolume!: number | null;
}
