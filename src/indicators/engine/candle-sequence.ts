import type { Candle } from '../../market-data/candle';

/**
 * Candles given out of order: indicators read candles oldest first, one per open time, and a
 * candle fed twice (a repeated stream event) would count twice in every running average.
 */
export class CandleSequenceError extends Error {
  constructor(
    readonly openTime: number,
    readonly previousOpenTime: number,
  ) {
    super(
      `Candle at ${new Date(openTime).toISOString()} does not come after the previous one at ${new Date(previousOpenTime).toISOString()}; indicators need candles oldest first, each once`,
    );
    this.name = 'CandleSequenceError';
  }
}

/** Throws unless the open times strictly increase. */
export function assertAscending(candles: readonly Candle[], previousOpenTime = -Infinity): void {
  let previous = previousOpenTime;
  for (const candle of candles) {
    if (!(candle.openTime > previous)) {
      throw new CandleSequenceError(candle.openTime, previous);
    }
    previous = candle.openTime;
  }
}
