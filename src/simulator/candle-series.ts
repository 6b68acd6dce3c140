import { readFileSync } from 'node:fs';
import type { Candle } from '../market-data/candle';
import { parseKlineLine } from '../market-data/import/kline-file.reader';

/** The candles of one simulated market and interval, as the exchange knows them at a given time. */
export interface CandleSeries {
  readonly intervalMs: number;
  /** Open time of the first candle (listing). */
  readonly firstOpenTime: number;
  /**
   * Candles with open time in [from, to] that have started by `now`, ascending; the last one is
   * the candle still forming when `now` falls inside it (as Binance returns it).
   */
  range(params: {
    from: number;
    to: number;
    now: number;
    limit: number;
    fromEnd: boolean;
  }): Candle[];
  /** The candle with this open time as it stands at `now` (final once `now` passes its close). */
  at(openTime: number, now: number): Candle | undefined;
}

/** A candle `fraction` of the way through its interval: the path from open toward the final close. */
export function partialCandle(final: Candle, fraction: number, decimals = 8): Candle {
  if (fraction >= 1) {
    return final;
  }
  const f = Math.max(0, fraction);
  const round = (value: number) => Number(value.toFixed(decimals));
  const close = round(final.open + (final.close - final.open) * f);
  const scale = (value: number | null) => (value === null ? null : Number((value * f).toFixed(8)));
  return {
    openTime: final.openTime,
    open: final.open,
    high: Math.max(final.open, close),
    low: Math.min(final.open, close),
    close,
    volume: scale(final.volume) ?? 0,
    quoteVolume: scale(final.quoteVolume),
    tradeCount: final.tradeCount === null ? null : Math.floor(final.tradeCount * f),
    takerBuyBaseVolume: scale(final.takerBuyBaseVolume),
    takerBuyQuoteVolume: scale(final.takerBuyQuoteVolume),
  };
}

/**
 * Reads a candle CSV into candles: `open_time_ms,open,high,low,close,volume` with a header (as in
 * the shared data) or Binance's 12-column dumps without one (times in ms or µs), CRLF or LF. Rows
 * that are not candles (a time that is not a number, a price that is not positive) stop the read
 * with their line numbers, rather than reaching a model as NaN.
 */
export function readCandleCsv(path: string): Candle[] {
  const candles: Candle[] = [];
  const problems: string[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((text, index) => {
      const row = parseKlineLine(text, index + 1);
      if (!row) {
        return; // blank line or header
      }
      if ('problem' in row) {
        problems.push(`line ${row.line}: ${row.problem}`);
        return;
      }
      const { candle } = row;
      const prices = [candle.open, candle.high, candle.low, candle.close];
      if (
        !Number.isFinite(candle.openTime) ||
        !prices.every((price) => Number.isFinite(price) && price > 0) ||
        !(Number.isFinite(candle.volume) && candle.volume >= 0)
      ) {
        problems.push(
          `line ${row.line}: expected an open time in epoch ms or µs, positive prices and a volume >= 0`,
        );
        return;
      }
      // Files with OHLCV only: the other Binance fields are derived so replies stay complete.
      const { volume, close } = candle;
      candles.push({
        ...candle,
        quoteVolume: candle.quoteVolume ?? Math.round(volume * close * 1e4) / 1e4,
        tradeCount: candle.tradeCount ?? Math.round(volume * 10),
        takerBuyBaseVolume: candle.takerBuyBaseVolume ?? Math.round(volume * 5e5) / 1e6,
        takerBuyQuoteVolume: candle.takerBuyQuoteVolume ?? Math.round(volume * close * 5e3) / 1e4,
      });
    });
  if (problems.length) {
    throw new Error(
      `${path}: ${problems.length} row(s) are not candles (${problems.slice(0, 3).join('; ')}${problems.length > 3 ? '; ...' : ''})`,
    );
  }
  if (!candles.length) {
    throw new Error(`${path} holds no candles`);
  }
  return candles;
}

/** Binary search: index of the first candle with open time >= `time`. */
function lowerBound(candles: readonly Candle[], time: number): number {
  let low = 0;
  let high = candles.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (candles[middle]!.openTime < time) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

/** Candles replayed from a file or a list: history as recorded, revealed as the clock reaches them. */
export class ReplaySeries implements CandleSeries {
  private readonly candles: Candle[];

  constructor(
    readonly intervalMs: number,
    candles: readonly Candle[],
  ) {
    this.candles = [...candles].sort((a, b) => a.openTime - b.openTime);
  }

  get firstOpenTime(): number {
    return this.candles[0]?.openTime ?? 0;
  }

  /** Adds or replaces one candle (as the exchange does once a candle closes). */
  put(candle: Candle): void {
    const index = lowerBound(this.candles, candle.openTime);
    if (this.candles[index]?.openTime === candle.openTime) {
      this.candles[index] = candle;
    } else {
      this.candles.splice(index, 0, candle);
    }
  }

  range(params: {
    from: number;
    to: number;
    now: number;
    limit: number;
    fromEnd: boolean;
  }): Candle[] {
    const to = Math.min(params.to, params.now);
    const start = lowerBound(this.candles, params.from);
    const end = lowerBound(this.candles, to + 1);
    const first = params.fromEnd ? Math.max(start, end - params.limit) : start;
    const last = params.fromEnd ? end : Math.min(end, start + params.limit);
    return this.candles
      .slice(first, last)
      .map((candle) => partialCandle(candle, (params.now - candle.openTime) / this.intervalMs));
  }

  at(openTime: number, now: number): Candle | undefined {
    const candle = this.candles[lowerBound(this.candles, openTime)];
    if (!candle || candle.openTime !== openTime || openTime > now) {
      return undefined;
    }
    return partialCandle(candle, (now - openTime) / this.intervalMs);
  }
}
