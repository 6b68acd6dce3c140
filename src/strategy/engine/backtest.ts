import type { Candle } from '../../market-data/candle';
import type { Action } from './rule-evaluation';
import type { PositionSizing } from './strategy-definition';

/** How a book fills decisions: the part of a backtest's parameters a paper account shares. */
export interface FillRules {
  /** Fee per side as a fraction of the notional (0.001 = 0.1%). */
  feeRate: number;
  /** Price slippage per fill as a fraction (buys pay more, sells get less). */
  slippage: number;
  sizing: PositionSizing;
  stopLoss?: number;
  takeProfit?: number;
  /** Decisions ignored for this many candles after a fill. */
  cooldownCandles?: number;
}

export interface BacktestParams extends FillRules {
  candles: readonly Candle[];
  /** The decision at each candle's close (same length as the candles). */
  decisions: readonly Action[];
  startingCash: number;
  /**
   * Predicted volatility of the one-candle log return at each candle's close (same length as
   * the candles; `predictedVolatilities`). Volatility sizing reads the decision candle's and
   * needs it.
   */
  volatility?: readonly (number | null)[];
  /** Candle length, to annualise. */
  intervalMs: number;
}

export interface Trade {
  entryTime: number;
  entryPrice: number;
  exitTime: number;
  exitPrice: number;
  quantity: number;
  /** Fees of both fills. */
  fees: number;
  /** Proceeds minus cost, after fees. */
  profit: number;
  returnPct: number;
  exitReason: 'signal' | 'stop-loss' | 'take-profit' | 'end';
}

export interface PerformanceMetrics {
  finalEquity: number;
  totalReturn: number;
  cagr: number;
  sharpe: number;
  sortino: number;
  maxDrawdown: number;
  winRate: number | null;
  profitFactor: number | null;
  trades: number;
  /** Share of candles with a position open. */
  exposure: number;
  feesPaid: number;
}

export interface BacktestResult {
  metrics: PerformanceMetrics;
  buyAndHold: PerformanceMetrics;
  /** Buy-and-hold's equity at each candle's close. */
  buyAndHoldEquity: { time: number; equity: number }[];
  trades: Trade[];
  /** Equity at each candle's close. */
  equity: { time: number; equity: number }[];
}

const YEAR_MS = 365.25 * 86_400_000;

/** A book's open position. */
export interface OpenPosition {
  time: number;
  /** Fill price, slippage included. */
  price: number;
  quantity: number;
  /** Cash spent, fee included. */
  cost: number;
  fee: number;
}

/** Everything a book carries from one candle to the next (what a paper account stores). */
export interface BookState {
  cash: number;
  position: OpenPosition | null;
  /** Candles left during which decisions are ignored. */
  cooldown: number;
  feesPaid: number;
  /** Candles stepped, and of those with a position open at the close. */
  candles: number;
  inMarket: number;
}

/** One fill of a book: an entry, or an exit that completes a trade. */
export type Fill =
  | { side: 'BUY'; time: number; price: number; quantity: number; fee: number; reason: 'signal' }
  | {
      side: 'SELL';
      time: number;
      price: number;
      quantity: number;
      fee: number;
      reason: Trade['exitReason'];
      trade: Trade;
    };

/**
 * The share of equity an entry invests; 0 when volatility sizing has no predicted volatility
 * (`volatility`, of the one-candle log return at the decision candle): the entry is skipped, as
 * it cannot be sized.
 */
export function entryFraction(sizing: PositionSizing, volatility: number | null): number {
  switch (sizing.kind) {
    case 'all-in':
      return 1;
    case 'fraction':
      return sizing.fraction;
    case 'volatility':
      return volatility !== null && volatility > 0
        ? Math.min(sizing.maxFraction ?? 1, sizing.targetVolatility / volatility)
        : 0;
  }
}

/**
 * The fill model of backtests and paper accounts, one candle at a time, long only: a decision
 * taken at a candle's close is filled at the next candle's open (never at a price the decision
 * could not have had), with slippage and fees on both sides; an entry invests the sizing's share
 * of the equity (the fee comes out of it). A stop-loss or take-profit is checked against each
 * candle's low and high after entry (the stop first when both are touched: the cautious
 * assumption); a gap through the level fills at the open.
 */
export class Book {
  private readonly current: BookState;

  constructor(
    private readonly rules: FillRules,
    state: BookState,
  ) {
    this.current = { ...state, position: state.position && { ...state.position } };
  }

  static opened(rules: FillRules, startingCash: number): Book {
    return new Book(rules, {
      cash: startingCash,
      position: null,
      cooldown: 0,
      feesPaid: 0,
      candles: 0,
      inMarket: 0,
    });
  }

  get state(): BookState {
    const state = this.current;
    return { ...state, position: state.position && { ...state.position } };
  }

  /** Cash plus the position valued at `price`. */
  equity(price: number): number {
    return this.current.cash + (this.current.position?.quantity ?? 0) * price;
  }

  /**
   * One candle: `decision` (taken at the previous candle's close, where the one-candle volatility
   * predicted was `volatility`) filled at this open, then the guards inside this candle.
   */
  step(candle: Candle, decision: Action, volatility: number | null): Fill[] {
    const state = this.current;
    const { rules } = this;
    const fills: Fill[] = [];
    if (state.cooldown > 0) {
      state.cooldown--;
    } else if (decision === 'BUY' && !state.position) {
      // Flat, so the equity is the cash.
      const spend = Math.min(state.cash, state.cash * entryFraction(rules.sizing, volatility));
      if (spend > 0) {
        const price = candle.open * (1 + rules.slippage);
        const fee = spend * rules.feeRate;
        const quantity = (spend - fee) / price;
        state.cash -= spend;
        state.feesPaid += fee;
        state.position = { time: candle.openTime, price, quantity, cost: spend, fee };
        state.cooldown = rules.cooldownCandles ?? 0;
        fills.push({ side: 'BUY', time: candle.openTime, price, quantity, fee, reason: 'signal' });
      }
    } else if (decision === 'SELL' && state.position) {
      fills.push(this.exit(candle.openTime, candle.open * (1 - rules.slippage), 'signal'));
    }
    const position = state.position;
    if (position) {
      const stop = rules.stopLoss === undefined ? undefined : position.price * (1 - rules.stopLoss);
      const target =
        rules.takeProfit === undefined ? undefined : position.price * (1 + rules.takeProfit);
      if (stop !== undefined && candle.low <= stop) {
        fills.push(this.exit(candle.openTime, Math.min(stop, candle.open), 'stop-loss'));
      } else if (target !== undefined && candle.high >= target) {
        fills.push(this.exit(candle.openTime, Math.max(target, candle.open), 'take-profit'));
      }
    }
    state.candles++;
    if (state.position) {
      state.inMarket++;
    }
    return fills;
  }

  /** Closes the open position at `price` without slippage (the end of a replay, a closed account). */
  close(time: number, price: number): Fill | undefined {
    return this.current.position ? this.exit(time, price, 'end') : undefined;
  }

  private exit(time: number, price: number, reason: Trade['exitReason']): Fill {
    const state = this.current;
    const entry = state.position!;
    const proceeds = entry.quantity * price;
    const fee = proceeds * this.rules.feeRate;
    state.cash += proceeds - fee;
    state.feesPaid += fee;
    const profit = proceeds - fee - entry.cost;
    const trade: Trade = {
      entryTime: entry.time,
      entryPrice: entry.price,
      exitTime: time,
      exitPrice: price,
      quantity: entry.quantity,
      fees: entry.fee + fee,
      profit,
      returnPct: profit / entry.cost,
      exitReason: reason,
    };
    state.position = null;
    state.cooldown = this.rules.cooldownCandles ?? 0;
    return { side: 'SELL', time, price, quantity: entry.quantity, fee, reason, trade };
  }
}

/**
 * Long-only replay of decisions over candles with a `Book`: the previous candle's decision is
 * filled at each open, and an open position is closed at the last close.
 */
export function runBacktest(params: BacktestParams): BacktestResult {
  const { candles, decisions } = params;
  if (
    params.sizing.kind === 'volatility' &&
    (!params.volatility || params.volatility.length !== candles.length)
  ) {
    throw new RangeError('Volatility sizing needs the predicted volatility at every candle');
  }
  const book = Book.opened(params, params.startingCash);
  const trades: Trade[] = [];
  const equity: { time: number; equity: number }[] = [];
  const record = (fill: Fill | undefined) => {
    if (fill?.side === 'SELL') {
      trades.push(fill.trade);
    }
  };
  for (let i = 0; i < candles.length; i++) {
    const candle = candles[i]!;
    const decision = i > 0 ? decisions[i - 1]! : 'HOLD';
    book
      .step(candle, decision, i > 0 ? (params.volatility?.[i - 1] ?? null) : null)
      .forEach(record);
    equity.push({ time: candle.openTime, equity: book.equity(candle.close) });
  }
  const last = candles[candles.length - 1];
  if (last && book.state.position) {
    record(book.close(last.openTime, last.close));
    equity[equity.length - 1] = { time: last.openTime, equity: book.state.cash };
  }
  const state = book.state;
  return {
    metrics: performance({
      equity,
      trades,
      feesPaid: state.feesPaid,
      inMarket: state.inMarket,
      candles: candles.length,
      startingCash: params.startingCash,
      intervalMs: params.intervalMs,
    }),
    ...buyAndHold(params),
    trades,
    equity,
  };
}

function buyAndHold(
  params: BacktestParams,
): Pick<BacktestResult, 'buyAndHold' | 'buyAndHoldEquity'> {
  const first = params.candles[0];
  if (!first) {
    const empty = performance({
      equity: [],
      trades: [],
      feesPaid: 0,
      inMarket: 0,
      candles: 0,
      startingCash: params.startingCash,
      intervalMs: params.intervalMs,
    });
    return { buyAndHold: empty, buyAndHoldEquity: [] };
  }
  const price = first.open * (1 + params.slippage);
  const buyFee = params.startingCash * params.feeRate;
  const quantity = (params.startingCash - buyFee) / price;
  const equity = params.candles.map((candle) => ({
    time: candle.openTime,
    equity: quantity * candle.close,
  }));
  const last = params.candles[params.candles.length - 1]!;
  const proceeds = quantity * last.close;
  const sellFee = proceeds * params.feeRate;
  equity[equity.length - 1] = { time: last.openTime, equity: proceeds - sellFee };
  const profit = proceeds - sellFee - params.startingCash;
  const trade: Trade = {
    entryTime: first.openTime,
    entryPrice: price,
    exitTime: last.openTime,
    exitPrice: last.close,
    quantity,
    fees: buyFee + sellFee,
    profit,
    returnPct: profit / params.startingCash,
    exitReason: 'end',
  };
  const metrics = performance({
    equity,
    trades: [trade],
    feesPaid: buyFee + sellFee,
    inMarket: params.candles.length,
    candles: params.candles.length,
    startingCash: params.startingCash,
    intervalMs: params.intervalMs,
  });
  return { buyAndHold: metrics, buyAndHoldEquity: equity };
}

/** Returns, risk-adjusted ratios (annualised for the interval, risk-free rate 0) and trade statistics. */
export function performance(params: {
  equity: readonly { time: number; equity: number }[];
  trades: readonly Trade[];
  feesPaid: number;
  inMarket: number;
  candles: number;
  startingCash: number;
  intervalMs: number;
}): PerformanceMetrics {
  const { equity, trades } = params;
  const finalEquity = equity[equity.length - 1]?.equity ?? params.startingCash;
  const totalReturn = finalEquity / params.startingCash - 1;
  const years = equity.length > 1 ? (equity.length * params.intervalMs) / YEAR_MS : 0;
  const cagr =
    years > 0 && finalEquity > 0 ? (finalEquity / params.startingCash) ** (1 / years) - 1 : 0;
  const returns: number[] = [];
  let previous = params.startingCash;
  let peak = params.startingCash;
  let maxDrawdown = 0;
  for (const point of equity) {
    returns.push(point.equity / previous - 1);
    previous = point.equity;
    peak = Math.max(peak, point.equity);
    maxDrawdown = Math.max(maxDrawdown, 1 - point.equity / peak);
  }
  const periodsPerYear = YEAR_MS / params.intervalMs;
  const mean = returns.reduce((a, b) => a + b, 0) / Math.max(1, returns.length);
  const std = Math.sqrt(
    returns.reduce((a, r) => a + (r - mean) ** 2, 0) / Math.max(1, returns.length),
  );
  const downside = Math.sqrt(
    returns.reduce((a, r) => a + Math.min(0, r) ** 2, 0) / Math.max(1, returns.length),
  );
  const wins = trades.filter((t) => t.profit > 0);
  const grossProfit = wins.reduce((a, t) => a + t.profit, 0);
  const grossLoss = -trades.filter((t) => t.profit < 0).reduce((a, t) => a + t.profit, 0);
  return {
    finalEquity,
    totalReturn,
    cagr,
    sharpe: std > 0 ? (mean / std) * Math.sqrt(periodsPerYear) : 0,
    sortino: downside > 0 ? (mean / downside) * Math.sqrt(periodsPerYear) : 0,
    maxDrawdown,
    winRate: trades.length ? wins.length / trades.length : null,
    profitFactor: grossLoss > 0 ? grossProfit / grossLoss : null,
    trades: trades.length,
    exposure: params.candles ? params.inMarket / params.candles : 0,
    feesPaid: params.feesPaid,
  };
}
