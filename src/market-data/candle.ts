/** A candle as the code passes it around: times in epoch milliseconds. */
export interface Candle {
  openTime: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quoteVolume: number | null;
  tradeCount: number | null;
  takerBuyBaseVolume: number | null;
  takerBuyQuoteVolume: number | null;
}

export interface MarketKey {
  exchange: string;
  /** The exchange pair, `BTCUSDT`. */
  symbol: string;
  interval: string;
}

/** Why a candle is not one (empty when it is fine). */
export function candleProblem(candle: Candle, intervalMs: number): string | undefined {
  const prices = [candle.open, candle.high, candle.low, candle.close];
  if (
    !Number.isFinite(candle.openTime) ||
    !Number.isInteger(candle.openTime) ||
    candle.openTime <= 0
  ) {
    return 'open time is not a valid timestamp';
  }
  if (candle.openTime % intervalMs !== 0) {
    return 'open time is not on the interval grid';
  }
  if (prices.some((price) => !Number.isFinite(price) || price <= 0)) {
    return 'a price is missing, not a number, or not positive';
  }
  if (!Number.isFinite(candle.volume) || candle.volume < 0) {
    return 'volume is missing, not a number, or negative';
  }
  if (
    candle.tradeCount !== null &&
    !(
      Number.isInteger(candle.tradeCount) &&
      candle.tradeCount >= 0 &&
      candle.tradeCount <= 2_147_483_647
    )
  ) {
    return 'trade count is not a whole number from 0 to 2147483647';
  }
  if (
    candle.high < Math.max(candle.open, candle.close) ||
    candle.low > Math.min(candle.open, candle.close)
  ) {
    return 'high/low do not contain open and close';
  }
  return undefined;
}
