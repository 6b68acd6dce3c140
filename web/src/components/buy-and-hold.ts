import type { ApiClient } from '../api/rest';
import type { CandlePage } from '../api/types';

const MAX_CANDLE_PAGES = 20;

async function closes(params: {
  api: ApiClient;
  symbol: string;
  interval: string;
  from: string;
  to?: string | null;
  signal: AbortSignal;
}): Promise<Map<number, { open: number; close: number }>> {
  const { api, symbol, interval, from, to, signal } = params;
  const result = new Map<number, { open: number; close: number }>();
  let cursor: string | null | undefined;
  for (let page = 0; page < MAX_CANDLE_PAGES; page += 1) {
    const candles = await api.get<CandlePage>(
      `/candles/${encodeURIComponent(symbol)}`,
      cursor ? { interval, cursor, limit: 1000 } : { interval, from, to, limit: 1000 },
      signal,
    );
    for (const candle of candles.candles) {
      result.set(Date.parse(candle.openTime), { open: candle.open, close: candle.close });
    }
    cursor = candles.nextCursor;
    if (!cursor) {
      break;
    }
  }
  return result;
}

/**
 * Buy-and-hold equity from the candles, with the fill model of the API's buy-and-hold figures:
 * `startingCash` split equally over `symbols`, each share bought at its first candle's open
 * (plus slippage, less the fee), marked at every close, and sold at the last close less the fee.
 * The API gives buy-and-hold as figures only; this draws the curve those figures end on. Times
 * where a market has no candle are skipped.
 */
export async function buyAndHoldCurve(params: {
  api: ApiClient;
  symbols: string[];
  interval: string;
  from: string;
  to?: string | null;
  startingCash: number;
  feeRate: number;
  slippage: number;
  signal: AbortSignal;
}): Promise<[number, number][]> {
  const series = await Promise.all(params.symbols.map((symbol) => closes({ ...params, symbol })));
  const [first, ...rest] = series;
  if (!first || first.size === 0) {
    return [];
  }
  const share = params.startingCash / series.length;
  const quantities = series.map((each) => {
    const [start] = [...each.entries()].sort((a, b) => a[0] - b[0]);
    return start ? (share * (1 - params.feeRate)) / (start[1].open * (1 + params.slippage)) : 0;
  });
  const points: [number, number][] = [];
  for (const time of [...first.keys()].sort((a, b) => a - b)) {
    if (rest.some((each) => !each.has(time))) {
      continue;
    }
    let equity = 0;
    series.forEach((each, index) => {
      equity += (quantities[index] ?? 0) * (each.get(time)?.close ?? 0);
    });
    points.push([time, equity]);
  }
  const last = points[points.length - 1];
  if (last) {
    last[1] *= 1 - params.feeRate;
  }
  return points;
}
