import type { Candle } from '../../market-data/candle';
import type { Action } from './rule-evaluation';
import type { PositionSizing } from './strategy-definition';

export interface BacktestParams {
  candles: readonly Candle[];
  /** The decision at each candle's close (same length as the candles). */
  decisions: readonly Action[];
  startingCash: number;
  /** Fee per side as a fraction of the notional (0.001 = 0.1%). */
  feeRate: number;
  /** Price slippage per fill as a fraction (buys pay more, sells get less). */
  slippage: number;
  sizing: PositionSizing;
  /**
   * Predicted volatility of the one-candle log return at each candle's close (same length as
   * the candles; `predictedVolatilities`). Volatility sizing reads the decision candle's and
   * needs it.
   */
  volatility?: readonly (number | null)[];
  stopLoss?: number;
  takeProfit?: number;
  /** Decisions ignored for this many candles after a fill. */
  cooldownCandles?: number;
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
  trades: Trade[];
  /** Equity at each candle's close. */
  equity: { time: number; equity: number }[];
}

const YEAR_MS = 365.25 * 86_400_000;

/**
 * The share of equity an entry decided at candle `decisionIndex` invests; 0 when volatility
 * sizing has no predicted volatility there (the entry is skipped: it cannot be sized).
 */
export function entryFraction(
  sizing: PositionSizing,
  volatility: readonly (number | null)[] | undefined,
  decisionIndex: number,
): number {
  switch (sizing.kind) {
    case 'all-in':
      return 1;
    case 'fraction':
      return sizing.fraction;
    case 'volatility': {
      const predicted = volatility?.[decisionIndex] ?? null;
      return predicted !== null && predicted > 0
        ? Math.min(sizing.maxFraction ?? 1, sizing.targetVolatility / predicted)
        : 0;
    }
  }
}

/**
 * Long-only replay: a decision taken at candle i's close is filled at candle i+1's open (never at
 * a price the decision could not have had), with slippage and fees on both sides; an entry
 * invests the sizing's share of the equity (the fee comes out of it). A stop-loss or take-profit
 * is checked against each candle's low and high after entry (the stop first when both are
 * touched: the cautious assumption); a gap through the level fills at the open. An open position
 * is closed at the last close.
 */
export function runBacktest(params: BacktestParams): BacktestResult {
  const { candles, decisions, feeRate, slippage } = params;
  if (
    params.sizing.kind === 'volatility' &&
    (!params.volatility || params.volatility.length !== candles.length)
  ) {
    throw new RangeError('Volatility sizing needs the predicted volatility at every candle');
  }
  let cash = params.startingCash;
  let quantity = 0;
  let entry: { time: number; price: number; cost: number; fee: number } | undefined;
  let cooldown = 0;
  let feesPaid = 0;
  let inMarket = 0;
  const trades: Trade[] = [];
  const equity: { time: number; equity: number }[] = [];

  const exit = (time: number, rawPrice: number, reason: Trade['exitReason'], slipped = true) => {
    const price = slipped ? rawPrice * (1 - slippage) : rawPrice;
    const proceeds = quantity * price;
    const fee = proceeds * feeRate;
    cash += proceeds - fee;
    feesPaid += fee;
    const profit = proceeds - fee - entry!.cost;
    trades.push({
      entryTime: entry!.time,
      entryPrice: entry!.price,
      exitTime: time,
      exitPrice: price,
      quantity,
      fees: entry!.fee + fee,
      profit,
      returnPct: profit / entry!.cost,
      exitReason: reason,
    });
    quantity = 0;
    entry = undefined;
    cooldown = params.cooldownCandles ?? 0;
  };

  for (let i = 0; i < candles.length; i++) {
    const candle = candles[i]!;
    // 1. The previous candle's decision, filled at this open.
    const decision = i > 0 ? decisions[i - 1] : 'HOLD';
    if (cooldown > 0) {
      cooldown--;
    } else if (decision === 'BUY' && quantity === 0) {
      // Flat, so the equity is the cash.
      const spend = Math.min(cash, cash * entryFraction(params.sizing, params.volatility, i - 1));
      if (spend > 0) {
        const price = candle.open * (1 + slippage);
        const fee = spend * feeRate;
        quantity = (spend - fee) / price;
        cash -= spend;
        feesPaid += fee;
        entry = { time: candle.openTime, price, cost: spend, fee };
        cooldown = params.cooldownCandles ?? 0;
      }
    } else if (decision === 'SELL' && quantity > 0) {
      exit(candle.openTime, candle.open, 'signal');
    }
    // 2. Stop-loss and take-profit inside this candle.
    if (quantity > 0 && entry) {
      const stop = params.stopLoss === undefined ? undefined : entry.price * (1 - params.stopLoss);
      const target =
        params.takeProfit === undefined ? undefined : entry.price * (1 + params.takeProfit);
      if (stop !== undefined && candle.low <= stop) {
        exit(candle.openTime, Math.min(stop, candle.open), 'stop-loss', false);
      } else if (target !== undefined && candle.high >= target) {
        exit(candle.openTime, Math.max(target, candle.open), 'take-profit', false);
      }
    }
    if (quantity > 0) {
      inMarket++;
    }
    equity.push({ time: candle.openTime, equity: cash + quantity * candle.close });
  }
  const last = candles[candles.length - 1];
  if (quantity > 0 && last) {
    exit(last.openTime, last.close, 'end', false);
    equity[equity.length - 1] = { time: last.openTime, equity: cash };
  }
  return {
    metrics: performance({
      equity,
      trades,
      feesPaid,
      inMarket,
      candles: candles.length,
      startingCash: params.startingCash,
      intervalMs: params.intervalMs,
    }),
    buyAndHold: buyAndHold(params),
    trades,
    equity,
  };
}

function buyAndHold(params: BacktestParams): PerformanceMetrics {
  const first = params.candles[0];
  if (!first) {
    return performance({
      equity: [],
      trades: [],
      feesPaid: 0,
      inMarket: 0,
      candles: 0,
      startingCash: params.startingCash,
      intervalMs: params.intervalMs,
    });
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
  return performance({
    equity,
    trades: [trade],
    feesPaid: buyFee + sellFee,
    inMarket: params.candles.length,
    candles: params.candles.length,
    startingCash: params.startingCash,
    intervalMs: params.intervalMs,
  });
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
