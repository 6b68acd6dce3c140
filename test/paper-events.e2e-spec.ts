import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import type { PaperTradeEvent } from '../src/paper/paper-events';
import { WebhookReceiver } from '../src/simulator/webhook-receiver';
import { api, type Schema } from './support/api';
import { connectGraphQLWs } from './support/graphql-ws';
import { HOUR_MS, T0, openRecordedAccount, paperEnv } from './support/paper-books';
import { startTestApp, type TestApp } from './support/test-app';
import { REDIS_URL } from './support/test-env';
import { sleep, waitFor } from './support/wait-for';

const TRADE =
  'symbol entryTime entryPrice exitTime exitPrice quantity fees profit returnPct exitReason';
const EXECUTED = `orderId accountId accountName symbol pair interval side reason decisionTime fillTime
  price quantity fee executedAt trade { ${TRADE} }`;

/**
 * A paper account's filled orders as live events: the `paperTradeExecuted` subscription and the
 * `paper.trade` webhook, both fed from the worker's Redis channel.
 */
describe('paper trades as GraphQL subscriptions and webhooks', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let clientKey: string;
  let account: Schema<'PaperAccountDto'>;
  const env = paperEnv('paperevents');
  const prefix = env.REDIS_PREFIX;
  const rest = (key: string) => api(t, { key });

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    t = await startTestApp({ worker: true, env });
    ({ clientKey, account } = await openRecordedAccount(t, env.DATABASE_URL));
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('sends each filled order to paperTradeExecuted subscribers and as one signed paper.trade webhook', async () => {
    const hook = await rest(clientKey).post('/webhooks', {
      body: {
        url: `${receiver.url}/paper`,
        events: ['paper.trade'],
        symbols: ['BTC'],
      },
    });
    expect(hook.status).toBe(201);
    receiver.trust(hook.body.secret);
    // A subscriber of the other market's orders gets nothing of this one.
    const other = await rest(clientKey).post('/webhooks', {
      body: {
        url: `${receiver.url}/paper-eth`,
        events: ['paper.trade'],
        symbols: ['ETH'],
      },
    });
    expect(other.status).toBe(201);

    const { socket, messages, subscribe } = await connectGraphQLWs(t.url, {
      'x-api-key': clientKey,
    });
    await subscribe(
      'by-id',
      `subscription { paperTradeExecuted(accountId: "${account.id}") { ${EXECUTED} } }`,
    );
    await subscribe(
      'by-name',
      `subscription { paperTradeExecuted(accountId: "${account.name}") { orderId } }`,
    );
    await subscribe('all', 'subscription { paperTradeExecuted { orderId accountName } }');
    await subscribe(
      'elsewhere',
      `subscription { paperTradeExecuted(accountId: "${randomUUID()}") { orderId } }`,
    );

    // What the worker publishes after the batch that filled the order committed.
    const fillTime = T0 + 3 * HOUR_MS;
    const event: PaperTradeEvent = {
      orderId: randomUUID(),
      accountId: account.id,
      accountName: account.name,
      strategyId: account.strategy.id,
      symbol: 'BTC',
      pair: 'BTCUSDT',
      interval: '1h',
      side: 'SELL',
      reason: 'take-profit',
      decisionTime: null,
      fillTime,
      price: 20240,
      quantity: 0.25,
      fee: 5.06,
      trade: {
        entryTime: T0 + 2 * HOUR_MS,
        entryPrice: 20000,
        exitTime: fillTime,
        exitPrice: 20240,
        quantity: 0.25,
        fees: 10.06,
        profit: 49.94,
        returnPct: 0.009988,
        exitReason: 'take-profit',
      },
      executedAt: Date.now(),
    };
    const publisher = new Redis(REDIS_URL);
    // Published twice (a repeated event): one message, one delivery.
    await publisher.publish(`${prefix}:events:paper.trade`, JSON.stringify(event));
    await publisher.publish(`${prefix}:events:paper.trade`, JSON.stringify(event));
    publisher.disconnect();

    const expected = {
      orderId: event.orderId,
      accountId: account.id,
      accountName: 'contract-forward',
      symbol: 'BTC',
      pair: 'BTCUSDT',
      interval: '1h',
      side: 'SELL',
      reason: 'take-profit',
      decisionTime: null,
      fillTime: new Date(fillTime).toISOString(),
      price: 20240,
      quantity: 0.25,
      fee: 5.06,
      executedAt: new Date(event.executedAt).toISOString(),
      trade: {
        symbol: 'BTC',
        entryTime: new Date(T0 + 2 * HOUR_MS).toISOString(),
        entryPrice: 20000,
        exitTime: new Date(fillTime).toISOString(),
        exitPrice: 20240,
        quantity: 0.25,
        fees: 10.06,
        profit: 49.94,
        returnPct: 0.009988,
        exitReason: 'take-profit',
      },
    };
    const received = (id: string) =>
      waitFor(async () => {
        const found = messages.filter((m) => m.type === 'next' && m.id === id);
        return found.length >= 2 ? found : undefined;
      });
    const [byId, byName, all] = await Promise.all(['by-id', 'by-name', 'all'].map(received));
    expect(byId!.map((m) => m.payload?.data?.paperTradeExecuted)).toEqual([expected, expected]);
    expect(byName![0]!.payload?.data?.paperTradeExecuted).toEqual({ orderId: event.orderId });
    expect(all![0]!.payload?.data?.paperTradeExecuted).toEqual({
      orderId: event.orderId,
      accountName: 'contract-forward',
    });
    // An account that does not exist is refused when subscribing, not left silent.
    const refused = messages.find((m) => m.id === 'elsewhere');
    expect(refused?.type).toBe('error');
    expect(JSON.stringify(refused?.payload)).toContain('No paper account');
    socket.close();

    await receiver.until(() => receiver.uniqueDelivered('/paper').size === 1);
    const [delivered] = [...receiver.uniqueDelivered('/paper').values()];
    expect(delivered!.verified).toBe(true);
    expect(JSON.parse(delivered!.body)).toEqual({
      type: 'paper.trade',
      timestamp: new Date(event.executedAt).toISOString(),
      data: expected,
    });
    const log = await rest(clientKey).get(`/webhooks/${hook.body.id}/deliveries`);
    expect(log.body).toEqual([
      expect.objectContaining({
        eventType: 'paper.trade',
        messageId: delivered!.headers['webhook-id'],
        succeeded: true,
      }),
    ]);
    // The repeated event must not make a second delivery: give it the time one would take.
    await sleep(500);
    expect(receiver.received.filter((h) => h.path === '/paper')).toHaveLength(1);
    expect(receiver.received.filter((h) => h.path === '/paper-eth')).toHaveLength(0);
  });

  it('keeps paper trades from keyless connections even where PUBLIC_READ opens market events', async () => {
    const open = await startTestApp({ env: { ...env, PUBLIC_READ: 'true' } });
    try {
      const { socket, messages, subscribe } = await connectGraphQLWs(open.url, {});
      await subscribe('market', 'subscription { signalCreated(symbol: "BTC") { action } }');
      await subscribe('paper', 'subscription { paperTradeExecuted { orderId } }');
      const refused = await waitFor(async () => messages.find((m) => m.id === 'paper'));
      expect(refused.type).toBe('error');
      expect(JSON.stringify(refused.payload)).toContain('needs an API key');
      // The market subscription is open (no error for it).
      expect(messages.some((m) => m.id === 'market')).toBe(false);
      socket.close();
    } finally {
      await open.close();
    }
  });
});
