/**
 * The API's JSON as the dashboard reads it (openapi.yaml is the contract; only the fields used
 * here are listed). Times are ISO-8601 strings.
 */

export type Role = 'admin' | 'client';

export interface Me {
  apiKeyId: string;
  name: string;
  role: Role;
  prefix: string;
}

/** The one shape of every REST error body. */
export interface ErrorBody {
  statusCode: number;
  error: string;
  code: string;
  message: string;
  details?: unknown;
  requestId?: string;
}

export interface LiveStreamState {
  connected: boolean;
  owner?: string | null;
  lastClosedOpenTime?: string | null;
  lagMs?: number | null;
  exchangePausedUntil?: string | null;
  exchangePauseReason?: string | null;
}

export interface Market {
  symbol: string;
  pair: string;
  interval: string;
  exchange: string;
  firstOpenTime: string | null;
  lastOpenTime: string | null;
  count: number;
  missing: number;
  live: LiveStreamState;
}

export interface Candle {
  openTime: string;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface CandlePage {
  symbol: string;
  pair: string;
  interval: string;
  candles: Candle[];
  nextCursor?: string | null;
}

export interface HorizonForecast {
  horizon: number;
  targetTime: string;
  predictedReturn: number;
  predictedClose: number;
  lowerClose: number;
  upperClose: number;
  volatility: number;
  probabilityUp: number;
}

export interface Prediction {
  symbol: string;
  interval: string;
  openTime: string;
  kind: 'model' | 'baseline';
  lastClose: number;
  horizons: HorizonForecast[];
  model?: { versionId: string; beatsPersistence: boolean; stale: boolean } | null;
}

export type Action = 'BUY' | 'SELL' | 'HOLD';

export interface SignalReason {
  label: string;
  input: string;
  value: number;
  weight: number;
}

export interface Signal {
  symbol: string;
  interval: string;
  strategyId: string;
  strategyName: string;
  strategyVersion: number;
  openTime: string;
  action: Action;
  score: number;
  confidence: number;
  close: number;
  reasons: SignalReason[];
}

export interface IndicatorOutputDescription {
  name: string;
  description: string;
  /** `price` outputs share the candles' scale; older servers do not send it. */
  unit?: string;
}

export interface IndicatorDescription {
  name: string;
  title: string;
  category: 'trend' | 'momentum' | 'volatility' | 'volume' | 'pattern';
  outputs: IndicatorOutputDescription[];
  defaultSpec: string;
}

export interface IndicatorSeries {
  key: string;
  name: string;
  params: number[];
  outputs: { name: string; values: (number | null)[] | null }[];
}

export interface IndicatorsPage {
  symbol: string;
  interval: string;
  openTimes: string[];
  indicators: IndicatorSeries[];
  nextFrom?: string | null;
}

/** A closed candle as the `candleClosed` subscription sends it. */
export interface CandleClosed {
  symbol: string;
  interval: string;
  candle: Candle;
}
