import type { Candle } from '../../market-data/candle';
import {
  horizonReturn,
  LOWER_QUANTILE,
  UPPER_QUANTILE,
  type HorizonForecast,
} from './forecast-calibration';
import { quantileType7 } from './sample-statistics';

/**
 * The baseline forecast, served when a market has no model that passed: persistence (return 0)
 * with the rolling empirical quantiles of the last `EMPIRICAL_WINDOW` h-candle returns, the EWMA
 * volatility and the rolling share of up moves.
 */

/** h-candle returns the rolling empirical baseline reads. */
export const EMPIRICAL_WINDOW = 500;

/**
 * The baseline at candle `end`: persistence, with the rolling empirical quantiles and share of up
 * moves of the last `window` h-candle returns and the EWMA volatility. Undefined with fewer than
 * 30 such returns.
 */
export function baselineForecast(params: {
  candles: readonly Candle[];
  intervalMs: number;
  volatility: Float64Array;
  end: number;
  horizon: number;
  window?: number;
}): HorizonForecast | undefined {
  const { candles, end, horizon } = params;
  const window = params.window ?? EMPIRICAL_WINDOW;
  const past: number[] = [];
  for (let j = Math.max(horizon, end - window + 1); j <= end; j++) {
    const value = horizonReturn(candles, params.intervalMs, j - horizon, horizon);
    if (value !== null) {
      past.push(value);
    }
  }
  const sigma = params.volatility[end];
  if (past.length < 30 || sigma === undefined || !(sigma > 0)) {
    return undefined;
  }
  past.sort((a, b) => a - b);
  return {
    horizon,
    predictedReturn: 0,
    median: quantileType7(past, 0.5),
    lower: quantileType7(past, LOWER_QUANTILE),
    upper: quantileType7(past, UPPER_QUANTILE),
    volatility: sigma * Math.sqrt(horizon),
    probabilityUp: past.filter((value) => value > 0).length / past.length,
  };
}

/** A sorted multiset of numbers with insert and remove in O(log n + n) (a memmove), for rolling quantiles. */
class SortedWindow {
  readonly values: number[] = [];
  positives = 0;

  private lowerBound(value: number): number {
    let low = 0;
    let high = this.values.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.values[mid]! < value) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  insert(value: number): void {
    this.values.splice(this.lowerBound(value), 0, value);
    if (value > 0) {
      this.positives++;
    }
  }

  remove(value: number): void {
    const at = this.lowerBound(value);
    if (this.values[at] !== value) {
      throw new Error(`SortedWindow: ${value} is not in the window`);
    }
    this.values.splice(at, 1);
    if (value > 0) {
      this.positives--;
    }
  }
}

/**
 * `baselineForecast` at every candle `end` from `first` to `last`, equal to calling it at each one,
 * from one rolling sorted window of returns (one insert and one remove per candle instead of a
 * sort of the whole window): what the baseline's track record needs for hundreds of markets at
 * every close.
 */
export function rollingBaselineForecasts(params: {
  candles: readonly Candle[];
  intervalMs: number;
  volatility: Float64Array;
  horizon: number;
  first: number;
  last: number;
  window?: number;
}): (HorizonForecast | undefined)[] {
  const { candles, intervalMs, horizon, first, last } = params;
  const window = params.window ?? EMPIRICAL_WINDOW;
  // The return realised at candle j (from j - horizon to j): what the window of `end` holds for j <= end.
  const realisedAt = (j: number) =>
    j >= horizon ? horizonReturn(candles, intervalMs, j - horizon, horizon) : null;
  const past = new SortedWindow();
  for (let j = Math.max(horizon, first - window + 1); j <= first - 1; j++) {
    const value = realisedAt(j);
    if (value !== null) {
      past.insert(value);
    }
  }
  const forecasts: (HorizonForecast | undefined)[] = [];
  for (let end = first; end <= last; end++) {
    const entering = realisedAt(end);
    if (entering !== null) {
      past.insert(entering);
    }
    const leaving = end - window;
    if (leaving >= Math.max(horizon, first - window + 1)) {
      const value = realisedAt(leaving);
      if (value !== null) {
        past.remove(value);
      }
    }
    const sigma = params.volatility[end];
    const sorted = past.values;
    forecasts.push(
      sorted.length < 30 || sigma === undefined || !(sigma > 0)
        ? undefined
        : {
            horizon,
            predictedReturn: 0,
            median: quantileType7(sorted, 0.5),
            lower: quantileType7(sorted, LOWER_QUANTILE),
            upper: quantileType7(sorted, UPPER_QUANTILE),
            volatility: sigma * Math.sqrt(horizon),
            probabilityUp: past.positives / sorted.length,
          },
    );
  }
  return forecasts;
}
