import type { ApiClient } from '../api/rest';
import type { Candle, CandlePage, IndicatorsPage } from '../api/types';
import { intervalMs } from '../format';

export const PAGE_LIMIT = 1000;
/** The most candles the first view loads; older ones come as the view scrolls back. */
export const MAX_INITIAL_CANDLES = 5000;
export const RANGES: Record<string, number> = {
  '1d': 86_400_000,
  '1w': 7 * 86_400_000,
  '1M': 30 * 86_400_000,
  '3M': 90 * 86_400_000,
  '1y': 365 * 86_400_000,
};
export const DEFAULT_INDICATORS = ['ema:20', 'rsi:14'];

/** The largest preset range that stays under ~1,500 candles of `interval`. */
export function defaultRange(interval: string): string {
  const step = intervalMs(interval);
  const fitting = Object.entries(RANGES).filter(([, ms]) => ms / step <= 1500);
  return fitting[fitting.length - 1]?.[0] ?? '1d';
}

/** Candles of [from, to], following nextCursor. */
export async function loadCandles(
  api: ApiClient,
  params: { symbol: string; interval: string; from: number; to: number },
): Promise<Candle[]> {
  const candles: Candle[] = [];
  let cursor: string | null | undefined;
  do {
    const page: CandlePage = await api.get(`/candles/${params.symbol}`, {
      interval: params.interval,
      from: params.from,
      to: params.to,
      limit: PAGE_LIMIT,
      cursor: cursor ?? undefined,
    });
    candles.push(...page.candles);
    cursor = page.nextCursor;
  } while (cursor);
  return candles;
}

/** Indicator values of [from, to], following nextFrom. */
export async function loadIndicators(
  api: ApiClient,
  params: { symbol: string; interval: string; names: string; from: number; to: number },
  onPage: (page: IndicatorsPage) => void,
): Promise<void> {
  let from: string | number | null | undefined = params.from;
  while (from !== null && from !== undefined) {
    const page: IndicatorsPage = await api.get(`/indicators/${params.symbol}`, {
      interval: params.interval,
      names: params.names,
      from,
      to: params.to,
      limit: PAGE_LIMIT,
    });
    onPage(page);
    from = page.nextFrom;
  }
}
