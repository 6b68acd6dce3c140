import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { CANDLE_CLOSED, type CandleClosedEvent } from '../src/market-data/candle-events';
import { RedisService } from '../src/redis/redis.service';
import { api } from './support/api';
import { asClientClose, type ClientClose } from './support/graphql-ws';
import { openAndClosedApps } from './support/graphql-apps';
import { waitFor } from './support/wait-for';

const CANDLE = {
  openTime: Date.UTC(2026, 0, 1),
  open: 100,
  high: 101,
  low: 99,
  close: 100.5,
  volume: 10,
  quoteVolume: null,
  tradeCount: null,
  takerBuyBaseVolume: null,
  takerBuyQuoteVolume: null,
};

describe('graphql-transport-ws close codes, and the legacy graphql-ws subprotocol', () => {
  const apps = openAndClosedApps();

  describe('subscriptions over graphql-transport-ws, as the graphql-ws client sees them', () => {
    const clients: Client[] = [];
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((client) => client.dispose()));
    });

    /** A graphql-ws client that connects at once and reports how its socket closed. */
    function connect(url: string, connectionParams: Record<string, string>) {
      const messages: string[] = [];
      let resolveClosed: (close: ClientClose) => void = () => undefined;
      let resolveError: (close: ClientClose | undefined) => void = () => undefined;
      const closedEvent = new Promise<ClientClose>((resolve) => (resolveClosed = resolve));
      const nonLazyError = new Promise<ClientClose | undefined>(
        (resolve) => (resolveError = resolve),
      );
      const client = createClient({
        url: `${url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams,
        lazy: false,
        retryAttempts: 0,
        onNonLazyError: (error) => resolveError(asClientClose(error)),
        on: {
          closed: (event) => resolveClosed(asClientClose(event) ?? { code: -1, reason: '' }),
          message: (message) => messages.push(message.type),
        },
      });
      clients.push(client);
      return { client, messages, closed: closedEvent, nonLazyError };
    }

    it('closes with 4403 Forbidden for an unknown key, and sends no connection_error', async () => {
      const {
        closed: close,
        nonLazyError,
        messages,
      } = connect(apps.closed.url, { 'x-api-key': 'cft_not-a-key' });
      expect(await close).toEqual({ code: 4403, reason: 'Forbidden: unknown API key' });
      expect(await nonLazyError).toEqual({ code: 4403, reason: 'Forbidden: unknown API key' });
      expect(messages).toEqual([]);
    });

    it('closes with 4401 Unauthorized when no key is given and reads are not public', async () => {
      const { closed: close, messages } = connect(apps.closed.url, {});
      expect((await close).code).toBe(4401);
      expect(messages).toEqual([]);
      // Under PUBLIC_READ the same connection is acknowledged.
      const publicRead = connect(apps.open.url, {});
      const acked = await new Promise<boolean>((resolve) => {
        publicRead.client.on('connected', () => resolve(true));
        void publicRead.closed.then(() => resolve(false));
      });
      expect(acked).toBe(true);
    });

    it('reports 4403 to a subscription’s error sink for a revoked key, and closes a live one with 4403', async () => {
      const admin = api(apps.closed, { key: apps.closed.adminKey });
      const created = await admin.post('/admin/api-keys', {
        body: { name: 'graphql-tools-revoked', role: 'client' },
      });
      expect(created.status).toBe(201);
      const { key, apiKey } = created.body;

      const live = connect(apps.closed.url, { 'x-api-key': key });
      let delivered = 0;
      const liveError = new Promise<ClientClose | undefined>((resolve) =>
        live.client.subscribe(
          { query: 'subscription { candleClosed(symbol: "BTC", interval: "1h") { symbol } }' },
          {
            next: () => (delivered += 1),
            error: (error) => resolve(asClientClose(error)),
            complete: () => resolve(undefined),
          },
        ),
      );
      await new Promise<void>((resolve) => live.client.on('connected', () => resolve()));
      // The protocol acknowledges no subscribe: the subscription is known to be live once a
      // closed candle reaches it.
      const event: CandleClosedEvent = {
        exchange: 'binance',
        symbol: 'BTC',
        pair: 'BTCUSDT',
        interval: '1h',
        candle: CANDLE,
        eventTime: Date.now(),
        committedAt: Date.now(),
      };
      await waitFor(
        async () => {
          await apps.closed.app.get(RedisService).publish(CANDLE_CLOSED, JSON.stringify(event));
          return delivered > 0 ? true : undefined;
        },
        { intervalMs: 50, what: 'the subscription to receive a closed candle' },
      );
      const revoked = await admin.delete(`/admin/api-keys/${apiKey.id}`);
      expect(revoked.status).toBe(200);
      expect((await live.closed).code).toBe(4403);
      expect((await liveError)?.code).toBe(4403);

      // A new, lazy connection with the revoked key: the subscription's error sink gets 4403.
      const lazy = createClient({
        url: `${apps.closed.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${key}` },
        retryAttempts: 0,
      });
      clients.push(lazy);
      const refused = await new Promise<ClientClose | undefined>((resolve) =>
        lazy.subscribe(
          { query: 'subscription { candleClosed(symbol: "BTC", interval: "1h") { symbol } }' },
          {
            next: () => undefined,
            error: (error) => resolve(asClientClose(error)),
            complete: () => resolve(undefined),
          },
        ),
      );
      expect(refused).toEqual({ code: 4403, reason: 'Forbidden: this API key has been revoked' });
    });

    it('holds subscription documents to the validation rules and limits', async () => {
      const { client } = connect(apps.open.url, {});
      const error = await new Promise<unknown>((resolve) =>
        client.subscribe(
          { query: 'subscription { candleClosed(symbol: "BTC", interval: "1h") { nope } }' },
          { next: () => undefined, error: resolve, complete: () => resolve(undefined) },
        ),
      );
      expect(error).toEqual([
        expect.objectContaining({
          message: 'Cannot query field "nope" on type "CandleClosed".',
          extensions: { code: 'BAD_REQUEST', statusCode: 400 },
        }),
      ]);
    });
  });

  describe('the legacy graphql-ws subprotocol keeps its own messages', () => {
    it('answers a wrong key with connection_error, then closes', async () => {
      const socket = new WebSocket(
        `${apps.closed.url.replace(/^http/, 'ws')}/graphql`,
        'graphql-ws',
      );
      const messages: { type: string; payload?: unknown }[] = [];
      socket.on('message', (data: Buffer) =>
        messages.push(JSON.parse(data.toString()) as { type: string }),
      );
      const closedCode = new Promise<number>((resolve) =>
        socket.on('close', (code) => resolve(code)),
      );
      await new Promise((resolve) => socket.once('open', resolve));
      expect(socket.protocol).toBe('graphql-ws');
      socket.send(
        JSON.stringify({ type: 'connection_init', payload: { 'x-api-key': 'cft_not-a-key' } }),
      );
      const code = await closedCode;
      expect(messages).toEqual([{ type: 'connection_error', payload: { message: 'Forbidden' } }]);
      expect(code).not.toBe(4403);
    });

    it('acknowledges a valid key with connection_ack', async () => {
      const socket = new WebSocket(
        `${apps.closed.url.replace(/^http/, 'ws')}/graphql`,
        'graphql-ws',
      );
      const first = new Promise<{ type: string }>((resolve) =>
        socket.once('message', (data: Buffer) =>
          resolve(JSON.parse(data.toString()) as { type: string }),
        ),
      );
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(
        JSON.stringify({ type: 'connection_init', payload: { 'x-api-key': apps.closed.adminKey } }),
      );
      expect(await first).toEqual({ type: 'connection_ack' });
      socket.close();
    });
  });
});
