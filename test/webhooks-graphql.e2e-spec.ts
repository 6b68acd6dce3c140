import Redis from 'ioredis';
import WebSocket from 'ws';
import { cachedForecast } from '../src/models/live/cached-prediction.fixtures';
import type { CachedPrediction } from '../src/models/live/prediction.cache';
import { graphql } from './support/graphql';
import { connectGraphQLWs } from './support/graphql-ws';
import { REDIS_URL } from './support/test-env';
import { waitFor } from './support/wait-for';
import { HOUR_MS, WebhooksHarness } from './support/webhooks-harness';

/** Webhooks over GraphQL, and the worker's live events reaching GraphQL subscribers on the api. */
describe('webhooks and live events over GraphQL', () => {
  const hooks = new WebhooksHarness({ worker: true });
  const { as, settledDeliveries, closeNextCandle } = hooks;

  it('offers the same over GraphQL, with errors carrying extensions.code', async () => {
    const { receiver, clientKey, otherKey, t } = hooks;
    const gql = async (key: string, query: string, variables: Record<string, unknown> = {}) =>
      (
        await graphql<Record<string, Record<string, unknown> | Record<string, unknown>[] | null>>(
          t,
          { query, variables },
          { key },
        )
      ).body;
    const created = await gql(
      clientKey,
      'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { id secret events enabled } }',
      { input: { url: `${receiver.url}/gql`, events: ['signal.created'] } },
    );
    const webhook = created.data!.createWebhook as { id: string; secret: string; events: string[] };
    expect(webhook.secret).toMatch(/^whsec_/);
    receiver.trust(webhook.secret);
    const tested = await gql(
      clientKey,
      'mutation($id: ID!) { testWebhook(id: $id) { messageId type } }',
      { id: webhook.id },
    );
    expect(tested.data!.testWebhook).toMatchObject({ type: 'webhook.test' });
    await receiver.until(() => receiver.uniqueDelivered('/gql').size === 1);
    await settledDeliveries(webhook.id, 1);
    const log = await gql(
      clientKey,
      'query($id: ID!) { webhookDeliveries(id: $id) { attempt succeeded statusCode } }',
      { id: webhook.id },
    );
    expect(log.data!.webhookDeliveries).toEqual([{ attempt: 1, succeeded: true, statusCode: 204 }]);
    const foreign = await gql(otherKey, 'query($id: ID!) { webhook(id: $id) { id } }', {
      id: webhook.id,
    });
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const refused = await gql(
      clientKey,
      'mutation($input: CreateWebhookInput!) { createWebhook(input: $input) { id } }',
      { input: { url: 'http://10.0.0.1/x', events: ['signal.created'] } },
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    expect(refused.errors?.[0]?.message).toContain('url');
    expect(
      (await gql(clientKey, 'mutation($id: ID!) { deleteWebhook(id: $id) }', { id: webhook.id }))
        .data,
    ).toEqual({ deleteWebhook: true });
  });

  it('delivers prediction.updated to webhooks and to GraphQL subscribers alike', async () => {
    const { receiver, clientKey, t } = hooks;
    const hook = await as(clientKey).post('/webhooks', {
      body: {
        url: `${receiver.url}/predictions`,
        events: ['prediction.updated'],
        symbols: ['BTC'],
      },
    });
    receiver.trust(hook.body.secret);
    const { socket, messages, subscribe } = await connectGraphQLWs(t.url, {
      authorization: `Bearer ${clientKey}`,
    });
    await subscribe(
      'p',
      'subscription { predictionUpdated(symbol: "BTC") { symbol predictedClose model { versionId } } }',
    );
    // What the live prediction path publishes after a model predicts.
    const last = hooks.lastCandle;
    const prediction = cachedForecast({
      openTime: last.openTime,
      lastClose: last.close,
      predictedClose: last.close * 1.001,
      predictedReturn: 0.001,
      probabilityUp: 0.56,
      modelVersionId: '11111111-2222-4333-8444-555555555555',
      testMae: 10,
      testPersistenceMae: 11,
    });
    /** Publishes on the channel the live prediction path uses, in order. */
    const publish = async (...predictions: CachedPrediction[]) => {
      const publisher = new Redis(REDIS_URL);
      try {
        for (const cached of predictions) {
          await publisher.publish(
            `${hooks.prefix}:events:prediction.updated`,
            JSON.stringify(cached),
          );
        }
      } finally {
        publisher.disconnect();
      }
    };
    // Published twice (a repeated event): one message, one delivery.
    await publish(prediction, prediction);
    await receiver.until(() => receiver.uniqueDelivered('/predictions').size === 1);
    const next = await waitFor(async () => messages.find((m) => m.type === 'next'));
    socket.close();
    expect(next.payload?.data?.predictionUpdated).toEqual({
      symbol: 'BTC',
      predictedClose: prediction.predictedClose,
      model: { versionId: prediction.modelVersionId },
    });
    const [delivered] = [...receiver.uniqueDelivered('/predictions').values()];
    expect(delivered!.verified).toBe(true);
    expect(JSON.parse(delivered!.body)).toMatchObject({
      type: 'prediction.updated',
      data: {
        symbol: 'BTC',
        predictedClose: prediction.predictedClose,
        model: { versionId: prediction.modelVersionId, beatsPersistence: true },
      },
    });
    // The repeated event must not make a second delivery. The worker hears the channel in order:
    // once the next forecast, published after it, is delivered and logged, the repeat was handled.
    await publish({
      ...prediction,
      openTime: last.openTime + HOUR_MS,
      targetTime: last.openTime + 2 * HOUR_MS,
      computedAt: Date.now(),
    });
    await receiver.until(() => receiver.uniqueDelivered('/predictions').size === 2);
    await settledDeliveries(hook.body.id, 2);
    const repeatedId = delivered!.headers['webhook-id'];
    expect(receiver.received.filter((h) => h.path === '/predictions')).toHaveLength(2);
    expect(receiver.received.filter((h) => h.headers['webhook-id'] === repeatedId)).toHaveLength(1);
    await as(clientKey).delete(`/webhooks/${hook.body.id}`);
  });

  it('streams signals and closed candles produced by the worker process to GraphQL subscriptions on the api', async () => {
    const { clientKey, t } = hooks;
    const wsUrl = `${t.url.replace(/^http/, 'ws')}/graphql`;
    const refused = new WebSocket(wsUrl, 'graphql-transport-ws');
    const refusedClose = new Promise<number>((resolve) =>
      refused.on('close', (code) => resolve(code)),
    );
    refused.on('open', () =>
      refused.send(
        JSON.stringify({
          type: 'connection_init',
          payload: { 'x-api-key': 'wrong-key-0123456789abcdefghij' },
        }),
      ),
    );
    expect(await refusedClose).not.toBe(1000);

    const { socket, messages, subscribe } = await connectGraphQLWs(t.url, {
      'x-api-key': clientKey,
    });
    await subscribe(
      '1',
      'subscription { signalCreated(symbol: "BTC") { symbol strategyName action openTime } }',
    );
    await subscribe(
      '2',
      'subscription { candleClosed(symbol: "BTC", interval: "1h") { symbol interval candle { openTime close } } }',
    );
    const candle = await closeNextCandle();
    const next = await waitFor(
      async () => messages.find((m) => m.type === 'next' && m.id === '1'),
      { timeoutMs: 15_000 },
    );
    const closed = await waitFor(async () =>
      messages.find((m) => m.type === 'next' && m.id === '2'),
    );
    socket.close();
    expect(next.payload?.data?.signalCreated).toMatchObject({
      symbol: 'BTC',
      strategyName: 'default',
      openTime: new Date(candle.openTime).toISOString(),
    });
    expect(closed.payload?.data?.candleClosed).toEqual({
      symbol: 'BTC',
      interval: '1h',
      candle: { openTime: new Date(candle.openTime).toISOString(), close: candle.close },
    });
  });
});
