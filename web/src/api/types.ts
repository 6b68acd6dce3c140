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

interface LiveStreamState {
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

interface HorizonForecast {
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

type Action = 'BUY' | 'SELL' | 'HOLD';

interface SignalReason {
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

interface IndicatorOutputDescription {
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

interface IndicatorSeries {
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

/** Strategy and buy-and-hold figures of a backtest or a paper account. */
export interface PerformanceMetrics {
  finalEquity: number;
  totalReturn: number;
  cagr: number;
  sharpe: number;
  sortino: number;
  maxDrawdown: number;
  winRate: number | null;
  profitFactor: number | null;
  trades: number;
  exposure: number;
  feesPaid: number;
}

export type SizingKind = 'all-in' | 'fraction' | 'volatility';

interface Sizing {
  kind: SizingKind | string;
  fraction?: number;
  targetVolatility?: number;
  maxFraction?: number;
}

export interface Backtest {
  id: string;
  strategyId: string;
  symbol: string;
  pair: string;
  interval: string;
  from: string;
  to: string;
  params: Record<string, unknown>;
  status: 'queued' | 'running' | 'completed' | 'failed';
  jobId?: string | null;
  result?: {
    strategy?: PerformanceMetrics;
    buyAndHold?: PerformanceMetrics;
    candles?: number;
    strategyVersion?: number;
  } & Record<string, unknown>;
  /** `[time (epoch ms), equity]` pairs. */
  equity?: [number, number][] | null;
  /** Buy-and-hold's `[time, equity]` pairs at the same times (null before completion). */
  buyAndHoldEquity?: [number, number][] | null;
  tradeCount?: number | null;
  error?: string | null;
  createdAt: string;
  finishedAt?: string | null;
}

/** A backtest as `GET /backtests` lists it (no curves, no trades). */
export interface BacktestSummary {
  id: string;
  strategyId: string;
  strategyName: string | null;
  strategyVersion: number | null;
  symbol: string;
  pair: string;
  interval: string;
  from: string;
  to: string;
  status: Backtest['status'];
  jobId: string | null;
  error: string | null;
  tradeCount: number | null;
  totalReturn: number | null;
  buyAndHoldReturn: number | null;
  createdAt: string;
  finishedAt: string | null;
}

/** A round trip; backtests send epoch ms, paper accounts ISO strings. */
export interface Trade {
  symbol?: string;
  entryTime: number | string;
  entryPrice: number;
  exitTime: number | string;
  exitPrice: number;
  quantity: number;
  fees: number;
  profit: number;
  returnPct: number;
  exitReason: string;
}

export interface StrategyRule {
  label?: string;
  input: string;
  period?: number;
  condition?: Record<string, unknown>;
  weight?: number;
  [name: string]: unknown;
}

export interface Strategy {
  id: string;
  name: string;
  version: number;
  active: boolean;
  needsModel: boolean;
  description?: string | null;
  createdAt: string;
  definition: {
    rules?: StrategyRule[];
    thresholds?: Record<string, number>;
    guards?: Record<string, number>;
    sizing?: Sizing;
  } & Record<string, unknown>;
}

export interface PaperAccount {
  id: string;
  name: string;
  strategy: { id: string; name: string; version: number };
  markets: string[];
  interval: string;
  startingCash: number;
  feeRate: number;
  slippage: number;
  sizing: Sizing;
  status: 'active' | 'paused' | 'closed';
  createdAt: string;
  closedAt?: string | null;
  startTime: string;
  lastCandle?: string | null;
  lateCandles: number;
  metrics: PerformanceMetrics;
  buyAndHold?: PerformanceMetrics | null;
  backtest?: PerformanceMetrics | null;
}

export interface PaperPosition {
  symbol: string;
  cash: number;
  quantity: number;
  entryPrice?: number | null;
  markPrice?: number | null;
  equity: number;
  feesPaid: number;
  lastCandle?: string | null;
}

export interface PaperEquityPage {
  points: { time: string; cash: number; positionValue: number; equity: number; late: boolean }[];
  next?: string | null;
}

export interface ModelVersion {
  id: string;
  symbol: string;
  pair: string;
  interval: string;
  kind: string;
  status: 'training' | 'candidate' | 'production' | 'retired' | 'failed';
  params: Record<string, unknown>;
  features: string[];
  dataFrom?: string | null;
  dataTo?: string | null;
  metrics?: Record<string, unknown> | null;
  backend?: string | null;
  jobId?: string | null;
  error?: string | null;
  createdAt: string;
  trainedAt?: string | null;
  promotedAt?: string | null;
  retiredAt?: string | null;
}

export interface ModelSearch {
  id: string;
  symbol: string;
  interval: string;
  status: 'running' | 'evaluating' | 'completed' | 'failed';
  trialsTotal: number;
  trialsDone: number;
  percent: number;
  best?: Record<string, unknown> | null;
  error?: string | null;
  createdAt: string;
  finishedAt?: string | null;
  trials: {
    index: number;
    kind: string;
    status: string;
    score?: number | null;
    metrics?: Record<string, unknown> | null;
    seconds?: number | null;
    error?: string | null;
  }[];
}

export const WEBHOOK_EVENTS = ['signal.created', 'prediction.updated', 'paper.trade'] as const;

export interface Webhook {
  id: string;
  url: string;
  events: string[];
  symbols: string[] | null;
  strategies: string[] | null;
  description: string | null;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  previousSecretExpiresAt: string | null;
  ownerKeyId: string;
  createdAt: string;
  updatedAt: string;
}

export interface WebhookWithSecret extends Webhook {
  secret: string;
}

export interface WebhookDelivery {
  id: string;
  messageId: string;
  eventType: string;
  attempt: number;
  succeeded: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  responseExcerpt: string | null;
  nextAttemptAt: string | null;
  attemptedAt: string;
  messageStatus: string;
}

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  createdAt: string;
  lastUsedAt?: string | null;
  revokedAt?: string | null;
}
