import type { SignalRow } from './signals.repository';

/** Redis pub/sub channel of strategy versions created (the active versions changed). */
export const STRATEGIES_CHANGED = 'strategies.changed';

/** Redis pub/sub channel of new signals. */
export const SIGNAL_CREATED = 'signal.created';

/** Published once per stored signal: the row, its base asset, and the strategy that decided. */
export interface SignalCreatedEvent extends Omit<SignalRow, 'strategyName' | 'strategyVersion'> {
  /** Base asset, `BTC`. */
  symbol: string;
  /** Exchange pair, `BTCUSDT`. */
  pair: string;
  strategy: { id: string; name: string; version: number };
}

/** The `signal.created` message of a stored signal of base asset `symbol`. */
export function signalCreatedEvent(row: SignalRow, symbol: string): SignalCreatedEvent {
  const { strategyName, strategyVersion, ...rest } = row;
  return {
    ...rest,
    symbol,
    pair: row.market.symbol,
    strategy: { id: row.strategyId, name: strategyName, version: strategyVersion },
  };
}

/** The stored-signal view of a `signal.created` message. */
export function signalRowOf(event: SignalCreatedEvent): SignalRow {
  return {
    strategyId: event.strategyId,
    strategyName: event.strategy.name,
    strategyVersion: event.strategy.version,
    market: event.market,
    openTime: event.openTime,
    action: event.action,
    score: event.score,
    confidence: event.confidence,
    reasons: event.reasons,
    prediction: event.prediction,
    modelVersionId: event.modelVersionId,
    close: event.close,
    lateMs: event.lateMs ?? null,
    createdAt: event.createdAt,
  };
}
