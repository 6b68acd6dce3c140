import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';
import type { OpenPosition } from '../strategy/engine/backtest';
import type { PositionSizing } from '../strategy/engine/strategy-definition';

export const PAPER_ACCOUNT_STATUSES = ['active', 'paused', 'closed'] as const;
export type PaperAccountStatus = (typeof PAPER_ACCOUNT_STATUSES)[number];

/** A forward test: one strategy version's live decisions on some markets, filled with fake money. */
@Entity({ name: 'paper_accounts' })
export class PaperAccountEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Index('UQ_paper_accounts_name', { unique: true })
  @Column({ type: 'varchar', length: 80 })
  name!: string;

  /** The strategy version followed (a later version of the name is another strategy). */
  @Column({ name: 'strategy_id', type: 'uuid' })
  strategyId!: string;

  @Column({ type: 'varchar', length: 32 })
  exchange!: string;

  @Column({ type: 'varchar', length: 4 })
  interval!: string;

  /** Exchange pairs; each gets an equal share of the starting cash (its own book). */
  @Column({ type: 'jsonb' })
  markets!: string[];

  @Column({ name: 'starting_cash', type: 'double precision' })
  startingCash!: number;

  @Column({ name: 'fee_rate', type: 'double precision' })
  feeRate!: number;

  @Column({ type: 'double precision' })
  slippage!: number;

  @Column({ type: 'jsonb' })
  sizing!: PositionSizing;

  @Column({ type: 'varchar', length: 8 })
  status!: PaperAccountStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;
}

/**
 * One market's book of an account: its cash, open position and the fill model's counters, as of
 * the last candle it stepped (`Book` state). The account's positions are these rows.
 */
@Entity({ name: 'paper_positions' })
export class PaperPositionEntity {
  @PrimaryColumn({ name: 'account_id', type: 'uuid' })
  accountId!: string;

  @PrimaryColumn({ type: 'varchar', length: 24 })
  symbol!: string;

  /** The first candle the account decides at (the first to close after it was opened). */
  @Column({ name: 'start_time', type: 'timestamptz' })
  startTime!: Date;

  /** The last candle stepped (before `start_time` until the first). */
  @Column({ name: 'last_open_time', type: 'timestamptz' })
  lastOpenTime!: Date;

  /** That candle's close, to value the position. */
  @Column({ name: 'last_close', type: 'double precision', nullable: true })
  lastClose!: number | null;

  @Column({ type: 'double precision' })
  cash!: number;

  @Column({ type: 'jsonb', nullable: true })
  position!: OpenPosition | null;

  @Column({ type: 'integer' })
  cooldown!: number;

  @Column({ name: 'fees_paid', type: 'double precision' })
  feesPaid!: number;

  @Column({ type: 'integer' })
  candles!: number;

  @Column({ name: 'in_market', type: 'integer' })
  inMarket!: number;

  /** Candles whose decision was taken late (after a restart or an outage). */
  @Column({ name: 'late_candles', type: 'integer', default: 0 })
  lateCandles!: number;
}

/** An order a book placed: at most one buy and one sell per account, market and candle. */
@Entity({ name: 'paper_orders' })
@Index('UQ_paper_orders_fill', ['accountId', 'symbol', 'fillTime', 'side'], { unique: true })
export class PaperOrderEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ name: 'account_id', type: 'uuid' })
  accountId!: string;

  @Column({ type: 'varchar', length: 24 })
  symbol!: string;

  @Column({ type: 'varchar', length: 4 })
  side!: 'BUY' | 'SELL';

  /** signal, stop-loss, take-profit or end (the account closed). */
  @Column({ type: 'varchar', length: 12 })
  reason!: string;

  /** The candle whose close decided a signal order (null for guards and closing). */
  @Column({ name: 'decision_time', type: 'timestamptz', nullable: true })
  decisionTime!: Date | null;

  /** When it filled: the open of the candle after the decision, or the guard's candle. */
  @Column({ name: 'fill_time', type: 'timestamptz' })
  fillTime!: Date;

  @Column({ type: 'varchar', length: 8 })
  status!: 'filled';

  /** The webhook sweep reads recent orders by this. */
  @Index('IDX_paper_orders_created')
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

/** What an order got: the paper broker fills each order whole, once. */
@Entity({ name: 'paper_fills' })
export class PaperFillEntity {
  @PrimaryColumn({ name: 'order_id', type: 'uuid' })
  orderId!: string;

  @Index('IDX_paper_fills_account')
  @Column({ name: 'account_id', type: 'uuid' })
  accountId!: string;

  @Column({ type: 'varchar', length: 24 })
  symbol!: string;

  @Column({ type: 'timestamptz' })
  time!: Date;

  @Column({ type: 'double precision' })
  price!: number;

  @Column({ type: 'double precision' })
  quantity!: number;

  @Column({ type: 'double precision' })
  fee!: number;
}

/** A round trip (entry and exit), as a backtest reports its trades. */
@Entity({ name: 'paper_trades' })
export class PaperTradeEntity {
  @PrimaryColumn({ name: 'account_id', type: 'uuid' })
  accountId!: string;

  @PrimaryColumn({ type: 'varchar', length: 24 })
  symbol!: string;

  @PrimaryColumn({ name: 'exit_time', type: 'timestamptz' })
  exitTime!: Date;

  @Column({ name: 'entry_time', type: 'timestamptz' })
  entryTime!: Date;

  @Column({ name: 'entry_price', type: 'double precision' })
  entryPrice!: number;

  @Column({ name: 'exit_price', type: 'double precision' })
  exitPrice!: number;

  @Column({ type: 'double precision' })
  quantity!: number;

  @Column({ type: 'double precision' })
  fees!: number;

  @Column({ type: 'double precision' })
  profit!: number;

  @Column({ name: 'return_pct', type: 'double precision' })
  returnPct!: number;

  @Column({ name: 'exit_reason', type: 'varchar', length: 12 })
  exitReason!: string;
}

/** One market's book at a candle's close. */
@Entity({ name: 'paper_equity' })
export class PaperEquityEntity {
  @PrimaryColumn({ name: 'account_id', type: 'uuid' })
  accountId!: string;

  @PrimaryColumn({ type: 'varchar', length: 24 })
  symbol!: string;

  @PrimaryColumn({ name: 'open_time', type: 'timestamptz' })
  openTime!: Date;

  @Column({ type: 'double precision' })
  cash!: number;

  /** The position valued at the close. */
  @Column({ name: 'position_value', type: 'double precision' })
  positionValue!: number;

  @Column({ type: 'double precision' })
  equity!: number;

  /** The decision filled at this candle's open was taken after that open (catch-up). */
  @Column({ type: 'boolean' })
  late!: boolean;

  /** When the row was written (for the latency of the live path). */
  @CreateDateColumn({ name: 'written_at', type: 'timestamptz' })
  writtenAt!: Date;
}
