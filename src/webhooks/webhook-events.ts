import { createHash, randomUUID } from 'node:crypto';
import type { CachedPrediction } from '../models/live/prediction.cache';
import { predictionDto } from '../models/models.service';
import { paperTradeExecutedDto } from '../paper/dto/paper-trade-event.dto';
import type { PaperTradeEvent } from '../paper/paper-events';
import { signalDto } from '../strategy/strategies.service';
import { signalRowOf, type SignalCreatedEvent } from '../strategy/strategy-events';

/** Event types a subscription can ask for. */
export const WEBHOOK_EVENT_TYPES = ['signal.created', 'prediction.updated', 'paper.trade'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** Sent by `POST /webhooks/:id/test` to that subscription only, whatever it subscribes to. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** Redis channel telling workers that subscriptions changed (their "anyone listening?" cache). */
export const WEBHOOKS_CHANGED = 'webhooks.changed';

/** A body above this is refused rather than sent (receivers should not have to take more). */
const MAX_BODY_BYTES = 64 * 1024;

/** One event about to be delivered: the same message id and body for every subscriber. */
export interface WebhookEvent {
  type: WebhookEventType | typeof TEST_EVENT_TYPE;
  /** `webhook-id`: derived from what the event is about, so a repeated event is the same message. */
  messageId: string;
  /** Base asset the event is about (subscription filter), null for test events. */
  symbol: string | null;
  /** Strategy of a signal (subscription filter), else null. */
  strategyId: string | null;
  /** `{type, timestamp, data}` as JSON. */
  body: string;
  /** When it happened (epoch ms): subscriptions created later do not get it. */
  occurredAt: number;
}

/** `msg_` and 27 base64url characters of a SHA-256 over what identifies the event. */
export function messageIdOf(...parts: (string | number)[]): string {
  return `msg_${createHash('sha256').update(parts.join('|')).digest('base64url').slice(0, 27)}`;
}

function bodyOf(type: WebhookEvent['type'], timestamp: number, data: unknown): string {
  const body = JSON.stringify({ type, timestamp: new Date(timestamp).toISOString(), data });
  if (Buffer.byteLength(body) > MAX_BODY_BYTES) {
    throw new Error(`A ${type} body of ${Buffer.byteLength(body)} bytes exceeds ${MAX_BODY_BYTES}`);
  }
  return body;
}

export function signalWebhookEvent(event: SignalCreatedEvent): WebhookEvent {
  const { market } = event;
  return {
    type: 'signal.created',
    messageId: messageIdOf(
      'signal.created',
      event.strategyId,
      market.exchange,
      market.symbol,
      market.interval,
      event.openTime,
    ),
    symbol: event.symbol,
    strategyId: event.strategyId,
    body: bodyOf('signal.created', event.createdAt, signalDto(event.symbol, signalRowOf(event))),
    occurredAt: event.createdAt,
  };
}

export function predictionWebhookEvent(cached: CachedPrediction, maxAgeMs: number): WebhookEvent {
  return {
    type: 'prediction.updated',
    messageId: messageIdOf(
      'prediction.updated',
      cached.modelVersionId ?? 'baseline',
      cached.exchange,
      cached.pair,
      cached.interval,
      cached.openTime,
    ),
    symbol: cached.symbol,
    strategyId: null,
    body: bodyOf('prediction.updated', cached.computedAt, predictionDto(cached, maxAgeMs)),
    occurredAt: cached.computedAt,
  };
}

/**
 * A filled paper order: one message per order (its id), whichever worker heard it. The symbol
 * and strategy filters apply (the base asset, the strategy version the account follows).
 */
export function paperTradeWebhookEvent(event: PaperTradeEvent): WebhookEvent {
  return {
    type: 'paper.trade',
    messageId: messageIdOf('paper.trade', event.orderId),
    symbol: event.symbol,
    strategyId: event.strategyId,
    body: bodyOf('paper.trade', event.executedAt, paperTradeExecutedDto(event)),
    occurredAt: event.executedAt,
  };
}

export function testWebhookEvent(subscriptionId: string, now = Date.now()): WebhookEvent {
  return {
    type: TEST_EVENT_TYPE,
    messageId: messageIdOf(TEST_EVENT_TYPE, subscriptionId, randomUUID()),
    symbol: null,
    strategyId: null,
    body: bodyOf(TEST_EVENT_TYPE, now, {
      subscriptionId,
      message: 'A test delivery: if you can verify this signature, your endpoint is ready.',
    }),
    occurredAt: now,
  };
}
