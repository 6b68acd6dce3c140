/**
 * The API's JSON as the dashboard reads it, typed from the generated contract (openapi.yaml and
 * the GraphQL operations of clients/typescript). Type-only imports: nothing of clients/ reaches
 * the bundle. Times are ISO-8601 strings.
 */
import type { CandleClosedSubscription } from '../../../clients/typescript/src/generated/graphql';
import type { components } from '../../../clients/typescript/src/generated/openapi';

type Schemas = components['schemas'];

export type Role = Schemas['MeDto']['role'];
export type Me = Schemas['MeDto'];

/** The one shape of every REST error body. */
export type ErrorBody = Schemas['ErrorResponse'];

export type Market = Schemas['MarketDto'];
export type Candle = Schemas['CandleDto'];
export type CandlePage = Schemas['CandlePageDto'];

/**
 * A forecast: the fields of GET /predict that the dashboard reads, which are the ones the
 * `predictionUpdated` subscription selects (LIVE_QUERIES), so both can share one state.
 */
export type Prediction = Pick<
  Schemas['PredictionDto'],
  'symbol' | 'interval' | 'openTime' | 'kind' | 'lastClose'
> & {
  horizons: Pick<
    Schemas['HorizonForecastDto'],
    | 'horizon'
    | 'targetTime'
    | 'predictedReturn'
    | 'predictedClose'
    | 'lowerClose'
    | 'upperClose'
    | 'volatility'
    | 'probabilityUp'
  >[];
  model?: Pick<Schemas['PredictionModelDto'], 'versionId' | 'beatsPersistence' | 'stale'> | null;
};

/** A signal: the fields of GET /signals that the `signalCreated` subscription also selects. */
export type Signal = Pick<
  Schemas['SignalDto'],
  | 'symbol'
  | 'interval'
  | 'strategyId'
  | 'strategyName'
  | 'strategyVersion'
  | 'openTime'
  | 'action'
  | 'score'
  | 'confidence'
  | 'close'
  | 'reasons'
>;

export type IndicatorDescription = Schemas['IndicatorDescriptionDto'];
export type IndicatorsPage = Schemas['IndicatorsDto'];

/** A closed candle as the `candleClosed` subscription sends it (the fields LIVE_QUERIES selects). */
export type CandleClosed = Pick<
  CandleClosedSubscription['candleClosed'],
  'symbol' | 'interval' | 'candle'
>;

/** Strategy and buy-and-hold figures of a backtest or a paper account. */
export type PerformanceMetrics = Schemas['PaperMetricsDto'];

export type SizingKind = Schemas['BacktestSizingDto']['kind'];

/** What a backtest's `result` holds; the contract leaves it free-form. */
interface BacktestResult {
  strategy?: PerformanceMetrics;
  buyAndHold?: PerformanceMetrics;
  candles?: number;
  strategyVersion?: number;
}

export type Backtest = Omit<Schemas['BacktestDto'], 'result'> & {
  result?: BacktestResult | null;
};

/** A backtest as `GET /backtests` lists it (no curves, no trades). */
export type BacktestSummary = Schemas['BacktestSummaryDto'];

/** A round trip; backtests send epoch ms, paper accounts ISO strings and the market. */
export type Trade = Schemas['BacktestTradeDto'] | Schemas['PaperTradeDto'];

/** One rule of a strategy definition (the contract leaves definitions free-form). */
export interface StrategyRule {
  label?: string;
  input: string;
  period?: number;
  condition?: Record<string, unknown>;
  weight?: number;
  [name: string]: unknown;
}

interface StrategyDefinition {
  rules?: StrategyRule[];
  thresholds?: Record<string, number>;
  guards?: Record<string, number>;
  sizing?: Record<string, unknown>;
  [name: string]: unknown;
}

export type Strategy = Omit<Schemas['StrategyDto'], 'definition'> & {
  definition: StrategyDefinition;
};

export type PaperAccount = Schemas['PaperAccountDto'];
export type PaperPosition = Schemas['PaperPositionDto'];
export type PaperEquityPage = Schemas['PaperEquityPageDto'];

export type ModelVersion = Schemas['ModelDto'];
export type ModelSearch = Schemas['ModelSearchDto'];

export const WEBHOOK_EVENTS = [
  'signal.created',
  'prediction.updated',
  'paper.trade',
] as const satisfies readonly Schemas['CreateWebhookDto']['events'][number][];

export type Webhook = Schemas['WebhookDto'];
export type WebhookWithSecret = Schemas['WebhookWithSecretDto'];
export type WebhookDelivery = Schemas['WebhookDeliveryDto'];

export type ApiKey = Schemas['ApiKeyDto'];
