import WebSocket from 'ws';
import { waitFor } from './wait-for';

/** A message of the graphql-transport-ws protocol as the tests read it. */
interface GraphQLWsMessage {
  type: string;
  id?: string;
  payload?: { data?: Record<string, unknown> };
}

/** An open, acknowledged GraphQL subscription connection to a test app. */
export interface GraphQLWsConnection {
  socket: WebSocket;
  /** Every message received, in order. */
  messages: GraphQLWsMessage[];
  /** Resolves with the close code when the socket closes. */
  closed: Promise<number>;
  /** Starts a subscription `id` and waits a moment for the server to register it. */
  subscribe(id: string, query: string): Promise<void>;
}

/**
 * Opens `/graphql` of the app at `url` over graphql-transport-ws and sends `connection_init` with
 * `payload` (the key), waiting for the acknowledgement.
 */
export async function connectGraphQLWs(
  url: string,
  payload: Record<string, string>,
): Promise<GraphQLWsConnection> {
  const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
  const messages: GraphQLWsMessage[] = [];
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  socket.on('message', (data: Buffer) =>
    messages.push(JSON.parse(data.toString()) as GraphQLWsMessage),
  );
  await new Promise((resolve) => socket.once('open', resolve));
  socket.send(JSON.stringify({ type: 'connection_init', payload }));
  await waitFor(async () => (messages.some((m) => m.type === 'connection_ack') ? true : undefined));
  return {
    socket,
    messages,
    closed,
    async subscribe(id, query) {
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } }));
      // Let the server register the subscription before the test makes events happen.
      await new Promise((resolve) => setTimeout(resolve, 300));
    },
  };
}

/** A close the graphql-ws client reported through its `closed` event or an error callback. */
export interface ClientClose {
  code: number;
  reason: string;
}

/** The close code and reason of a websocket CloseEvent as the graphql-ws client hands it over. */
export function asClientClose(event: unknown): ClientClose | undefined {
  if (event && typeof event === 'object' && 'code' in event && typeof event.code === 'number') {
    const reason = 'reason' in event && typeof event.reason === 'string' ? event.reason : '';
    return { code: event.code, reason };
  }
  return undefined;
}
