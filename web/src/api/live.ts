import { createClient, type Client } from 'graphql-ws';

/** What the header's live dot shows. */
export type LiveStatus = 'connecting' | 'connected' | 'reconnecting' | 'refused';

export interface LiveClient {
  /**
   * Starts a GraphQL subscription; `onData` gets `data[field]` of every event. Returns the
   * function that stops it.
   */
  subscribe<T>(params: {
    query: string;
    variables?: Record<string, unknown>;
    field: string;
    onData: (value: T) => void;
    onError?: (message: string) => void;
  }): () => void;
  onStatus(listener: (status: LiveStatus, detail: string | null) => void): () => void;
  close(): void;
}

/**
 * Close codes after which retrying cannot help: 4403 (the key was revoked), 4401, and 4400 / 4004
 * (the server answered `connection_init` with a refusal the protocol has no message for).
 */
const REFUSED = new Set([4004, 4400, 4401, 4403]);

/**
 * Events are handed to the page once per animation frame: the candles of every market close in
 * the same second, and their forecasts and signals follow, so dozens of messages arrive in a
 * burst. Delivered together, they cost one render instead of one each.
 */
const pending: (() => void)[] = [];
let flushScheduled = false;

function flush(): void {
  flushScheduled = false;
  for (const deliver of pending.splice(0)) {
    deliver();
  }
}

function deliverNextFrame(deliver: () => void): void {
  pending.push(deliver);
  if (!flushScheduled) {
    flushScheduled = true;
    requestAnimationFrame(flush);
  }
}

function closeCodeOf(event: unknown): number | null {
  return typeof event === 'object' && event !== null && 'code' in event ? Number(event.code) : null;
}

/**
 * GraphQL subscriptions over one websocket at /graphql (graphql-transport-ws, the protocol the
 * server speaks). The key goes in the `connection_init` payload, as browsers cannot set headers
 * on a websocket; the client reconnects with backoff and resubscribes, except when the server
 * refused the key.
 */
export function createLiveClient(key: string | null, origin = location.origin): LiveClient {
  const listeners = new Set<(status: LiveStatus, detail: string | null) => void>();
  let status: LiveStatus = 'connecting';
  let detail: string | null = null;
  const setStatus = (next: LiveStatus, why: string | null = null) => {
    status = next;
    detail = why;
    for (const listener of listeners) {
      listener(status, detail);
    }
  };
  const client: Client = createClient({
    url: `${origin.replace(/^http/, 'ws')}/graphql`,
    connectionParams: key ? { 'x-api-key': key } : {},
    lazy: true,
    lazyCloseTimeout: 2_000,
    keepAlive: 15_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: (event) => !REFUSED.has(closeCodeOf(event) ?? 0),
    on: {
      connected: () => setStatus('connected'),
      closed: (event) => {
        const code = closeCodeOf(event);
        if (code !== null && REFUSED.has(code)) {
          const reason = (event as { reason?: string }).reason;
          setStatus(
            'refused',
            `The server closed live updates (${code}${reason ? `: ${reason}` : ''})`,
          );
        } else if (status === 'connected') {
          setStatus('reconnecting');
        }
      },
    },
  });
  return {
    subscribe({ query, variables, field, onData, onError }) {
      return client.subscribe<Record<string, unknown>>(
        { query, variables },
        {
          next: (result) => {
            if (result.errors?.length) {
              onError?.(result.errors.map((error) => error.message).join('; '));
            }
            const value = result.data?.[field];
            if (value !== undefined && value !== null) {
              deliverNextFrame(() => onData(value as never));
            }
          },
          error: (error) => {
            const message = Array.isArray(error)
              ? error.map((each: { message: string }) => each.message).join('; ')
              : error instanceof Error
                ? error.message
                : 'live updates stopped';
            onError?.(message);
          },
          complete: () => undefined,
        },
      );
    },
    onStatus(listener) {
      listeners.add(listener);
      listener(status, detail);
      return () => listeners.delete(listener);
    },
    close() {
      listeners.clear();
      void client.dispose();
    },
  };
}

/** The subscriptions the dashboard uses (schema.gql). */
export const LIVE_QUERIES = {
  candleClosed: `subscription ($symbol: String!, $interval: String!) {
    candleClosed(symbol: $symbol, interval: $interval) {
      symbol interval candle { openTime open high low close volume }
    }
  }`,
  predictionUpdated: `subscription ($symbol: String!) {
    predictionUpdated(symbol: $symbol) {
      symbol interval openTime kind lastClose
      horizons { horizon targetTime predictedReturn predictedClose lowerClose upperClose volatility probabilityUp }
      model { versionId beatsPersistence stale }
    }
  }`,
  signalCreated: `subscription ($symbol: String!) {
    signalCreated(symbol: $symbol) {
      symbol interval strategyId strategyName strategyVersion openTime action score confidence close
      reasons { label input value weight }
    }
  }`,
} as const;
