import type { Candle } from './candle';

/** Redis pub/sub channel names of the live path. */
export const CANDLE_CLOSED = 'candle.closed';
/** Any committed change to stored candles (bulk or single), for caches to drop what they hold. */
export const CANDLES_WRITTEN = 'candles.written';

export interface CandlesWrittenEvent {
  exchange: string;
  /** Exchange pair, `BTCUSDT`. */
  symbol: string;
  interval: string;
  /** Open times of the first and last candle written (epoch ms). */
  from: number;
  to: number;
  /** The candle itself when exactly one was written (the live path), so caches can append it. */
  candle?: Candle;
}

/** Published once a closed candle is committed to `candles`. */
export interface CandleClosedEvent {
  exchange: string;
  /** Base asset, `BTC`. */
  symbol: string;
  /** Exchange pair, `BTCUSDT`. */
  pair: string;
  interval: string;
  candle: Candle;
  /** When the exchange sent the closing kline (epoch ms). */
  eventTime: number;
  /** When the row was committed (epoch ms). */
  committedAt: number;
}
