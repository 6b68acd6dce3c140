import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface LiveClientOptions {
  /** The service's HTTP address (`http://localhost:3000`); its `/graphql` websocket is used. */
  baseUrl: string;
  /** Sent in `connection_init` as `x-api-key`, where the service reads it (browsers cannot set headers on a websocket). */
  apiKey?: string;
  /** Reconnect attempts after the socket drops; 0 (the default) reports the first drop as an error. */
  retryAttempts?: number;
  /** The WebSocket class: the global one where there is one (browsers, Node 22+), else `ws`. */
  webSocketImpl?: unknown;
}

/** A graphql-ws client connected lazily to the service's `/graphql`, with the key in connectionParams. */
export function createLiveClient(options: LiveClientOptions): WsClient {
  return createWsClient({
    url: `${options.baseUrl.replace(/\/+$/, '').replace(/^http/, 'ws')}/graphql`,
    connectionParams: options.apiKey ? { 'x-api-key': options.apiKey } : {},
    webSocketImpl: options.webSocketImpl ?? globalThis.WebSocket ?? WebSocket,
    retryAttempts: options.retryAttempts ?? 0,
  });
}

/** A subscription's GraphQL errors (bad arguments, a key that may not read), as one error. */
export class SubscriptionError extends Error {
  constructor(
    readonly errors: readonly { message: string; extensions?: Record<string, unknown> }[],
  ) {
    super(errors.map((error) => error.message).join('; '));
    this.name = 'SubscriptionError';
  }
}

/**
 * The socket failed or closed: `code` is the close code when there is one (4401 or 4403 for a
 * key the service refuses, 1006 when the connection dropped).
 */
class LiveConnectionError extends Error {
  constructor(
    message: string,
    readonly code?: number,
  ) {
    super(message);
    this.name = 'LiveConnectionError';
  }
}

/** graphql-ws reports socket trouble as the socket's CloseEvent or ErrorEvent: made an Error. */
function asError(reason: unknown): Error {
  if (reason instanceof Error) {
    return reason;
  }
  const event = (reason ?? {}) as { code?: unknown; reason?: unknown; message?: unknown };
  if (typeof event.code === 'number') {
    const why = typeof event.reason === 'string' && event.reason ? `: ${event.reason}` : '';
    return new LiveConnectionError(`the socket closed with ${event.code}${why}`, event.code);
  }
  return new LiveConnectionError(
    typeof event.message === 'string' ? event.message : 'the socket failed',
  );
}

/**
 * Subscribes to a generated subscription document (`SignalCreatedDocument`,
 * `CandleClosedDocument`) and yields each event's typed data; a refused key or a dropped socket
 * throws `LiveConnectionError`, GraphQL errors throw `SubscriptionError`. Leaving the `for await` loop
 * (`break`, `return`, a throw) ends the subscription; the socket stays open for others until
 * `client.dispose()`.
 */
export async function* subscribe<TData, TVariables extends Record<string, unknown>>(
  client: WsClient,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
): AsyncGenerator<TData, void, undefined> {
  const events = client.iterate<TData>({ query: print(document), variables });
  try {
    while (true) {
      let event: IteratorResult<{ data?: TData | null; errors?: readonly { message: string }[] }>;
      try {
        event = await events.next();
      } catch (reason) {
        throw asError(reason);
      }
      if (event.done) {
        return;
      }
      if (event.value.errors?.length) {
        throw new SubscriptionError(event.value.errors);
      }
      if (event.value.data) {
        yield event.value.data;
      }
    }
  } finally {
    await events.return?.();
  }
}
