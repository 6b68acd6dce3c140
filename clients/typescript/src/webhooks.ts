import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type { components } from './generated/openapi';

type Schemas = components['schemas'];

/**
 * The body of a webhook the service sends (`{type, timestamp, data}`), discriminated by `type`
 * (`openapi.yaml`'s `WebhookEvent`). Signal and prediction payloads are the REST bodies of
 * `GET /signals/:symbol` and `GET /predict/:symbol`; a `paper.trade` carries the filled order.
 */
export type WebhookEvent = Schemas['WebhookEvent'];

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
