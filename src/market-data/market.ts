import { ValidationException } from '../common/app.exception';
import type { AppConfig } from '../config/app-config';
import { AppException } from '../common/app.exception';

export class MarketDataException extends AppException {}

const MINUTE_MS = 60_000;

/** Interval name -> length in milliseconds, for every interval the service can keep. */
export const INTERVAL_MS: Record<string, number> = {
  '1m': MINUTE_MS,
  '3m': 3 * MINUTE_MS,
  '5m': 5 * MINUTE_MS,
  '15m': 15 * MINUTE_MS,
  '30m': 30 * MINUTE_MS,
  '1h': 60 * MINUTE_MS,
  '2h': 120 * MINUTE_MS,
  '4h': 240 * MINUTE_MS,
  '6h': 360 * MINUTE_MS,
  '8h': 480 * MINUTE_MS,
  '12h': 720 * MINUTE_MS,
  '1d': 1440 * MINUTE_MS,
};

export function intervalMs(interval: string): number {
  const ms = INTERVAL_MS[interval];
  if (ms === undefined) {
    throw new Error(`Unknown interval ${interval}`);
  }
  return ms;
}

/** The configured markets: base assets, one quote, and the intervals kept for each. */
export class MarketCatalogue {
  constructor(
    readonly exchange: string,
    readonly bases: readonly string[],
    readonly quote: string,
    readonly intervals: readonly string[],
  ) {}

  /** The markets of EXCHANGE, SYMBOLS, QUOTE and INTERVALS. */
  static fromConfig(config: AppConfig): MarketCatalogue {
    return new MarketCatalogue(
      config.get('EXCHANGE'),
      config.get('SYMBOLS'),
      config.get('QUOTE'),
      config.get('INTERVALS'),
    );
  }

  /** `BTC`, `btc`, `BTCUSDT` and `BTC-USDT` all name the base asset `BTC`; unknown ones are a 404. */
  resolveSymbol(input: string): string {
    const upper = input.trim().toUpperCase().replace(/[-_/]/g, '');
    const base =
      upper.endsWith(this.quote) && upper.length > this.quote.length
        ? upper.slice(0, -this.quote.length)
        : upper;
    if (!this.bases.includes(base)) {
      throw new MarketDataException(
        'NOT_FOUND',
        `Unknown symbol ${input.slice(0, 40)}; known symbols: ${this.bases.join(', ')}`,
        { knownSymbols: this.bases },
      );
    }
    return base;
  }

  /** An interval the service keeps, or a 400 listing the valid ones. */
  resolveInterval(input: string | undefined, field = 'interval'): string {
    const interval = input ?? this.intervals[this.intervals.length - 1] ?? '1h';
    if (!this.intervals.includes(interval)) {
      throw new ValidationException([
        {
          field,
          problem: `must be one of ${this.intervals.join(', ')} (got ${interval.slice(0, 20)})`,
        },
      ]);
    }
    return interval;
  }

  /** The exchange's pair for a base asset: `BTCUSDT`. */
  pair(base: string): string {
    return `${base}${this.quote}`;
  }

  /** The configured base asset of an exchange pair (`BTCUSDT` -> `BTC`), else the pair itself. */
  baseOf(pair: string): string {
    return this.bases.find((base) => this.pair(base) === pair) ?? pair;
  }
}
