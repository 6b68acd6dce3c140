import { extractApiKey } from '../auth/api-key-secret';
import type { ApiKeysService } from '../auth/api-keys.service';
import type { Principal } from '../auth/principal';
import { REVOKED_CLOSE_CODE } from './live-sessions';

const MAX_KEY_LENGTH = 512;

/** The subprotocol of graphql-ws (the library) whose refusals are close codes, not messages. */
const GRAPHQL_TRANSPORT_WS = 'graphql-transport-ws';

/**
 * Close codes of a refused `connection_init` on graphql-transport-ws (its PROTOCOL.md): 4401 when
 * no key was given and one is needed, 4403 for a key that is unknown or revoked, 1011 when keys
 * cannot be checked (database down).
 */
const SUBSCRIPTION_CLOSE_CODES = {
  unauthorized: 4401,
  forbidden: REVOKED_CLOSE_CODE,
  internalError: 1011,
} as const;

/** What mercurius's subscription connection is to `onConnect` (its `this`): the websocket. */
export interface SubscriptionConnectionLike {
  socket?: { protocol: string; close(code?: number, reason?: string): void };
}

type Decision =
  | { principal: Principal | null }
  | {
      closeCode: (typeof SUBSCRIPTION_CLOSE_CODES)[keyof typeof SUBSCRIPTION_CLOSE_CODES];
      reason: string;
    };

function headersOf(payload: unknown): Record<string, string> {
  return payload && typeof payload === 'object'
    ? Object.fromEntries(
        Object.entries(payload as Record<string, unknown>)
          .filter(([, value]) => typeof value === 'string')
          .map(([key, value]) => [key.toLowerCase(), value as string]),
      )
    : {};
}

async function decide(params: {
  apiKeys: ApiKeysService;
  publicRead: boolean;
  payload: unknown;
}): Promise<Decision> {
  const key = extractApiKey(headersOf(params.payload));
  if (!key) {
    return params.publicRead
      ? { principal: null }
      : {
          closeCode: SUBSCRIPTION_CLOSE_CODES.unauthorized,
          reason: 'Unauthorized: connection_init needs an API key (x-api-key or authorization)',
        };
  }
  if (key.length > MAX_KEY_LENGTH) {
    return { closeCode: SUBSCRIPTION_CLOSE_CODES.forbidden, reason: 'Forbidden: unknown API key' };
  }
  let resolution;
  try {
    resolution = params.apiKeys.resolveCached(key) ?? (await params.apiKeys.resolve(key));
  } catch {
    return {
      closeCode: SUBSCRIPTION_CLOSE_CODES.internalError,
      reason: 'API keys cannot be checked right now; retry shortly',
    };
  }
  if ('principal' in resolution) {
    return { principal: resolution.principal };
  }
  return {
    closeCode: SUBSCRIPTION_CLOSE_CODES.forbidden,
    reason:
      resolution.failure === 'revoked'
        ? 'Forbidden: this API key has been revoked'
        : 'Forbidden: unknown API key',
  };
}

/**
 * `onConnect` of GraphQL subscriptions: the websocket's `connection_init` payload carries the key
 * as `x-api-key` or `authorization: Bearer <key>` (browsers cannot set headers on a websocket).
 * Without a valid key the connection is refused, unless PUBLIC_READ opens live market events.
 *
 * How a refusal reads depends on the subprotocol. On graphql-transport-ws the socket is closed
 * with the protocol's code (4401 no key, 4403 a bad key), which the graphql-ws client reports as
 * such; mercurius would otherwise send `connection_error`, a message that protocol does not have
 * (its clients fail on it as an invalid message). The legacy `graphql-ws` subprotocol keeps its
 * own `connection_error` message, which mercurius sends when this returns false. Mercurius calls
 * onConnect as a method of the connection, so `this` is where the socket is.
 */
export function subscriptionAuthenticator(
  apiKeys: ApiKeysService,
  publicRead: boolean,
): (
  this: SubscriptionConnectionLike | undefined,
  data: { payload: unknown },
) => Promise<{ principal: Principal | null } | false> {
  return async function authenticate(this: SubscriptionConnectionLike | undefined, { payload }) {
    const decision = await decide({ apiKeys, publicRead, payload });
    if ('principal' in decision) {
      return { principal: decision.principal };
    }
    const socket = this?.socket;
    if (socket?.protocol === GRAPHQL_TRANSPORT_WS) {
      // Closing first: the connection_error mercurius then tries to send meets a closing socket.
      socket.close(decision.closeCode, decision.reason);
    }
    return false;
  };
}
