import type { Candle } from '../../market-data/candle';
import { CandleSequenceError } from './candle-sequence';
import type { IndicatorState, IndicatorValues } from './indicator-definition';
import { definitionOf, type IndicatorSpec } from './indicator-spec';

/**
 * The indicators of one market, updated one closed candle at a time. Each indicator keeps only
 * what its next value needs (a recursive average, or a window of at most its period), so a candle
 * costs the same however long the history. Fed the same candles, it gives exactly the values of
 * `computeIndicators`.
 */
export class IncrementalIndicators {
  private readonly states: IndicatorState[];
  private lastOpenTime = -Infinity;
  private candles = 0;

  constructor(readonly specs: readonly IndicatorSpec[]) {
    this.states = specs.map((spec) => definitionOf(spec).createState(spec.params));
  }

  /** A state rebuilt by replaying earlier candles, oldest first (after a restart). */
  static fromHistory(
    candles: readonly Candle[],
    specs: readonly IndicatorSpec[],
  ): IncrementalIndicators {
    const indicators = new IncrementalIndicators(specs);
    for (const candle of candles) {
      indicators.next(candle);
    }
    return indicators;
  }

  /** The values on a newly closed candle, one entry per spec in spec order. */
  next(candle: Candle): IndicatorValues[] {
    if (!(candle.openTime > this.lastOpenTime)) {
      throw new CandleSequenceError(candle.openTime, this.lastOpenTime);
    }
    this.lastOpenTime = candle.openTime;
    this.candles++;
    return this.states.map((state) => state.next(candle));
  }

  /** Candles fed so far. */
  get candleCount(): number {
    return this.candles;
  }

  /** Open time of the last candle fed, undefined before the first. */
  get lastCandleOpenTime(): number | undefined {
    return this.candles === 0 ? undefined : this.lastOpenTime;
  }
}
