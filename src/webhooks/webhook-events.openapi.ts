import type { OpenAPIObject } from '@nestjs/swagger';
import type {
  CallbackObject,
  SchemaObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhook-events';

/** The component schema of each event's `data`: the REST body of the same thing. */
const DATA_SCHEMAS: Record<WebhookEventType | typeof TEST_EVENT_TYPE, string> = {
  'signal.created': 'SignalDto',
  'prediction.updated': 'PredictionDto',
  'paper.trade': 'PaperTradeExecutedDto',
  'webhook.test': 'WebhookTestDataDto',
};

/** `signal.created` -> `WebhookSignalCreated`, `webhook.test` -> `WebhookTest`. */
function envelopeName(type: string): string {
  return `Webhook${type
    .replace(/^webhook\./, '')
    .split('.')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('')}`;
}

/**
 * The webhooks in the contract: one schema per event type (`{type, timestamp, data}`, `data` the
 * REST body of the same thing), their union `WebhookEvent` discriminated by `type`, and a
 * callback on `POST /webhooks` saying what the service POSTs to the subscription's `url` with the
 * Standard Webhooks headers. Generated clients then type a verified body without casts.
 */
export function addWebhookEvents(document: OpenAPIObject): void {
  const schemas = (document.components ??= {}).schemas ?? {};
  document.components.schemas = schemas;
  const types: (WebhookEventType | typeof TEST_EVENT_TYPE)[] = [
    ...WEBHOOK_EVENT_TYPES,
    TEST_EVENT_TYPE,
  ];
  for (const type of types) {
    const data = DATA_SCHEMAS[type];
    if (!schemas[data]) {
      throw new Error(`The ${type} webhook's data schema ${data} is not in the document`);
    }
    schemas[envelopeName(type)] = {
      type: 'object',
      description: `The body of a \`${type}\` webhook.`,
      required: ['type', 'timestamp', 'data'],
      properties: {
        type: { type: 'string', enum: [type] },
        timestamp: {
          type: 'string',
          format: 'date-time',
          description: 'When the event happened',
        },
        data: { $ref: `#/components/schemas/${data}` },
      },
    } satisfies SchemaObject;
  }
  schemas.WebhookEvent = {
    description:
      'Any webhook body the service sends, by `type`. Verify the signature on the raw body first (Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature headers).',
    oneOf: types.map((type) => ({ $ref: `#/components/schemas/${envelopeName(type)}` })),
    discriminator: {
      propertyName: 'type',
      mapping: Object.fromEntries(
        types.map((type) => [type, `#/components/schemas/${envelopeName(type)}`]),
      ),
    },
  } satisfies SchemaObject;
  const subscribe = document.paths['/webhooks']?.post;
  if (!subscribe) {
    throw new Error('POST /webhooks is not in the document');
  }
  const header = (description: string) => ({
    required: true,
    description,
    schema: { type: 'string' as const },
  });
  const delivery: CallbackObject = {
    '{$request.body#/url}': {
      post: {
        summary: 'A webhook delivery to the subscription URL',
        description:
          'Retried on the schedule (WEBHOOK_RETRY_SCHEDULE) until a 2xx; a 410 Gone disables the subscription.',
        parameters: [
          { name: 'webhook-id', in: 'header', ...header('Message id, the same on every retry') },
          {
            name: 'webhook-timestamp',
            in: 'header',
            ...header('Seconds since the epoch when this attempt was signed'),
          },
          {
            name: 'webhook-signature',
            in: 'header',
            ...header(
              'Space-separated `v1,<base64 HMAC-SHA256>` of `id.timestamp.body`, one per secret in force',
            ),
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { $ref: '#/components/schemas/WebhookEvent' } },
          },
        },
        responses: {
          '2XX': { description: 'Delivered' },
          '410': { description: 'Gone: the subscription is disabled' },
        },
      },
    },
  };
  subscribe.callbacks = { delivery };
}
