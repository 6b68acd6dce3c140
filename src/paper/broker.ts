import type { Candle } from '../market-data/candle';
import type { Action } from '../strategy/engine/rule-evaluation';
import { Book, type BookState, type FillRules, type Trade } from '../strategy/engine/backtest';

/** An order as a broker executed it: whole, at one price (the paper broker never fills partially). */
export interface ExecutedOrder {
  side: 'BUY' | 'SELL';
  reason: 'signal' | Trade['exitReason'];
  /** The candle whose close decided it (signal orders only). */
  decisionTime: number | null;
  fillTime: number;
  price: number;
  quantity: number;
  fee: number;
  /** The round trip an exit completed. */
  trade: Trade | null;
}

/** One market's candle for one book: the balances before it and the decision taken at the previous close. */
export interface ExecutionRequest {
  rules: FillRules;
  balances: BookState;
  candle: Candle;
  decision: { action: Action; decidedAt: number | null; volatility: number | null };
}

export interface ExecutionReport {
  orders: ExecutedOrder[];
  /** The balances after the candle. */
  balances: BookState;
}

/**
 * Where a paper account's decisions become orders and fills. Accounts see only this port: the
 * paper broker fills with the backtest's fill model; an exchange broker (ccxt) would send the
 * order at the decision, report the exchange's fills and read its balances, behind the same calls.
 */
export interface Broker {
  /** The decision of the previous close ordered at this candle, and the orders it filled. */
  execute(request: ExecutionRequest): ExecutionReport;
  /** Closes the position at `price` (an account being closed): the closing order, if any. */
  close(request: {
    rules: FillRules;
    balances: BookState;
    time: number;
    price: number;
  }): ExecutionReport;
}

function executed(fill: ReturnType<Book['step']>[number], decidedAt: number | null): ExecutedOrder {
  return {
    side: fill.side,
    reason: fill.reason,
    decisionTime: fill.side === 'BUY' || fill.reason === 'signal' ? decidedAt : null,
    fillTime: fill.time,
    price: fill.price,
    quantity: fill.quantity,
    fee: fill.fee,
    trade: fill.side === 'SELL' ? fill.trade : null,
  };
}

/** Fills exactly as backtests do (`Book`): at the next open with fees and slippage, guards inside candles. */
export class PaperBroker implements Broker {
  execute(request: ExecutionRequest): ExecutionReport {
    const book = new Book(request.rules, request.balances);
    const { action, decidedAt, volatility } = request.decision;
    const fills = book.step(request.candle, action, volatility);
    return { orders: fills.map((fill) => executed(fill, decidedAt)), balances: book.state };
  }

  close(request: {
    rules: FillRules;
    balances: BookState;
    time: number;
    price: number;
  }): ExecutionReport {
    const book = new Book(request.rules, request.balances);
    const fill = book.close(request.time, request.price);
    return { orders: fill ? [executed(fill, null)] : [], balances: book.state };
  }
}

/** The injection token of the broker accounts use. */
export const BROKER = Symbol('Broker');
