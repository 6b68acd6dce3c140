import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { components } from './generated/openapi';

type Schemas = components['schemas'];

/**
 * The body of a webhook the service sends (`{type, timestamp, data}`), by event type. Signal and
 * prediction payloads are the REST bodies of `GET /signals/:symbol` and `GET /predict/:symbol`.
 */
export type WebhookEvent =
  | { type: 'signal.created'; timestamp: string; data: Schemas['SignalDto'] }
  | { type: 'prediction.updated'; timestamp: string; data: Schemas['PredictionDto'] }
  | { type: 'paper.trade'; timestamp: string; data: Record<string, unknown> }
  | { type: 'webhook.test'; timestamp: string; data: { subscriptionId: string; message: string } };

export { WebhookVerificationError };

/** Headers as Node's `IncomingMessage.headers`, fetch's `Headers`, or a plain record. */
export type WebhookHeaders = Headers | Record<string, string | readonly string[] | undefined>;

function header(headers: WebhookHeaders, name: string): string {
  const value = headers instanceof Headers ? headers.get(name) : headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? '';
}

/**
 * Verifies a delivery with the Standard Webhooks library, as the service signs it: `webhook-id`,
 * `webhook-timestamp` (at most five minutes off) and `webhook-signature`, an HMAC-SHA256 of
 * `id.timestamp.body` under the subscription's `whsec_` secret (during a rotation either secret
 * verifies). Pass the raw body, before any JSON parsing. Throws `WebhookVerificationError` when
 * the signature or the timestamp does not hold; returns the parsed event when they do.
 */
export function verifyWebhook(params: {
  secret: string;
  body: string | Buffer;
  headers: WebhookHeaders;
}): WebhookEvent {
  const { secret, body, headers } = params;
  return new Webhook(secret).verify(body, {
    'webhook-id': header(headers, 'webhook-id'),
    'webhook-timestamp': header(headers, 'webhook-timestamp'),
    'webhook-signature': header(headers, 'webhook-signature'),
  }) as WebhookEvent;
}
