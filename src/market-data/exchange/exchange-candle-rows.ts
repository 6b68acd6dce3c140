import type { OHLCV } from 'ccxt';
import type { Candle } from '../candle';

/** Candles from the rows the exchanges' REST APIs answer with. */

function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}

/** A number, or null for a missing, empty or non-numeric field. */
export function nullableNumber(value: unknown): number | null {
  if (value === undefined || value === null || value === '') {
    return null;
  }
  const number = toNumber(value);
  return Number.isFinite(number) ? number : null;
}

/** A Binance REST kline row `[openTime, "o", "h", "l", "c", "v", closeTime, "q", n, "V", "Q", "B"]`. */
export function candleFromBinanceRow(row: unknown[]): Candle {
  return {
    openTime: toNumber(row[0]),
    open: toNumber(row[1]),
    high: toNumber(row[2]),
    low: toNumber(row[3]),
    close: toNumber(row[4]),
    volume: toNumber(row[5]),
    quoteVolume: nullableNumber(row[7]),
    tradeCount: nullableNumber(row[8]),
    takerBuyBaseVolume: nullableNumber(row[9]),
    takerBuyQuoteVolume: nullableNumber(row[10]),
  };
}

/** A ccxt OHLCV row `[openTime, open, high, low, close, volume]` (the other fields unknown). */
export function candleFromOhlcv(row: OHLCV): Candle {
  return {
    openTime: toNumber(row[0]),
    open: toNumber(row[1]),
    high: toNumber(row[2]),
    low: toNumber(row[3]),
    close: toNumber(row[4]),
    volume: toNumber(row[5]),
    quoteVolume: null,
    tradeCount: null,
    takerBuyBaseVolume: null,
    takerBuyQuoteVolume: null,
  };
}
