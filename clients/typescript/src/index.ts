export { createClient, type ClientOptions, type ForecastClient, type GraphQLResult } from './rest';
export {
  createLiveClient,
  subscribe,
  SubscriptionError,
  type LiveClientOptions,
} from './subscriptions';
export {
  verifyWebhook,
  WebhookVerificationError,
  type WebhookEvent,
  type WebhookHeaders,
} from './webhooks';
export type { paths, components, operations } from './generated/openapi';
export * from './generated/graphql';
