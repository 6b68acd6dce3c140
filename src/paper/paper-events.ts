import type { ExecutedOrder } from './broker';

/** Redis pub/sub channel of paper orders filled. */
export const PAPER_TRADE_EXECUTED = 'paper.trade';

/**
 * Redis pub/sub channel of accounts opened (their markets may have had no open book): the
 * traders read again which markets have books to step.
 */
export const PAPER_ACCOUNT_OPENED = 'paper.account.opened';

/** Published once per filled paper order, after its batch committed. */
export interface PaperTradeEvent extends Omit<ExecutedOrder, 'trade'> {
  orderId: string;
  accountId: string;
  accountName: string;
  /** The strategy version the account follows (webhook subscriptions filter on it). */
  strategyId: string;
  /** Base asset, `BTC`. */
  symbol: string;
  /** Exchange pair, `BTCUSDT`. */
  pair: string;
  interval: string;
  trade: ExecutedOrder['trade'];
  executedAt: number;
}
