import type { LiveIndicatorValues } from './live/live-indicators.cache';

export const INDICATORS_UPDATED = 'indicators.updated';

/** Published once the indicators of a newly closed candle are computed and cached. */
export interface IndicatorsUpdatedEvent extends LiveIndicatorValues {
  exchange: string;
  /** Base asset, `BTC`. */
  symbol: string;
  pair: string;
  interval: string;
}
