import { extractApiKey } from '../auth/api-key-secret';
import type { ApiKeysService } from '../auth/api-keys.service';
import type { Principal } from '../auth/principal';

/**
 * `onConnect` of GraphQL subscriptions: the websocket's `connection_init` payload carries the key
 * as `x-api-key` or `authorization: Bearer <key>` (browsers cannot set headers on a websocket).
 * Without a valid key the connection is refused, unless PUBLIC_READ opens live market events.
 */
export function subscriptionAuthenticator(
  apiKeys: ApiKeysService,
  publicRead: boolean,
): (data: { payload: unknown }) => Promise<{ principal: Principal | null } | false> {
  return async ({ payload }) => {
    const headers =
      payload && typeof payload === 'object'
        ? Object.fromEntries(
            Object.entries(payload as Record<string, unknown>)
              .filter(([, value]) => typeof value === 'string')
              .map(([key, value]) => [key.toLowerCase(), value as string]),
          )
        : {};
    const key = extractApiKey(headers);
    if (!key || key.length > 512) {
      return publicRead ? { principal: null } : false;
    }
    const resolution = apiKeys.resolveCached(key) ?? (await apiKeys.resolve(key));
    if ('principal' in resolution) {
      return { principal: resolution.principal };
    }
    return false;
  };
}
