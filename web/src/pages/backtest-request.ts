import type { Market, SizingKind, Strategy } from '../api/types';

const DAY_MS = 86_400_000;

/** The backtest form's fields, as typed (numbers stay text until the request is built). */
export interface BacktestForm {
  strategy: string;
  symbol: string;
  interval: string;
  from: string;
  to: string;
  startingCash: string;
  feeRate: string;
  slippage: string;
  sizing: SizingKind;
  fraction: string;
  targetVolatility: string;
  maxFraction: string;
  walkForward: boolean;
}

/** `2022-09-01T00:00` for a datetime-local input (UTC, like every time on the dashboard). */
const toInput = (ms: number): string => new Date(ms).toISOString().slice(0, 16);
const fromInput = (text: string): string => `${text}:00Z`;

/** The form as first shown: the active strategy, the last 30 days of a market with candles. */
export function defaults(markets: Market[], strategies: Strategy[]): BacktestForm {
  const market = markets.find((each) => each.lastOpenTime) ?? markets[0];
  const last = market?.lastOpenTime ? Date.parse(market.lastOpenTime) : Date.now();
  const first = market?.firstOpenTime ? Date.parse(market.firstOpenTime) : last - 30 * DAY_MS;
  return {
    strategy: strategies.find((each) => each.active)?.name ?? strategies[0]?.name ?? '',
    symbol: market?.symbol ?? '',
    interval: market?.interval ?? '1h',
    from: toInput(Math.max(first, last - 30 * DAY_MS)),
    to: toInput(last),
    startingCash: '10000',
    feeRate: '0.001',
    slippage: '0',
    sizing: 'all-in',
    fraction: '0.5',
    targetVolatility: '0.01',
    maxFraction: '1',
    walkForward: true,
  };
}

/** POST /backtests body of the form. */
export function requestBody(form: BacktestForm): Record<string, unknown> {
  const sizing =
    form.sizing === 'fraction'
      ? { kind: 'fraction', fraction: Number(form.fraction) }
      : form.sizing === 'volatility'
        ? {
            kind: 'volatility',
            targetVolatility: Number(form.targetVolatility),
            maxFraction: Number(form.maxFraction),
          }
        : { kind: 'all-in' };
  return {
    strategy: form.strategy,
    symbol: form.symbol,
    interval: form.interval,
    from: fromInput(form.from),
    to: fromInput(form.to),
    startingCash: Number(form.startingCash),
    feeRate: Number(form.feeRate),
    slippage: Number(form.slippage),
    walkForward: form.walkForward,
    sizing,
  };
}
