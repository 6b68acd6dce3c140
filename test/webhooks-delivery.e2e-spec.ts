import { Webhook } from 'standardwebhooks';
import { HOUR_MS, WebhooksHarness } from './support/webhooks-harness';
import { waitFor } from './support/wait-for';

/**
 * Deliveries from the worker process: signed so that a `standardwebhooks` receiver verifies them,
 * retried on the schedule, stopped with a reason, replayed, and signed with both secrets while a
 * rotation overlaps.
 */
describe('webhook deliveries', () => {
  const hooks = new WebhooksHarness({ worker: true });
  const { as, subscribe, deliveries, settledDeliveries, closeNextCandle } = hooks;

  it('delivers every signal signed so that a standardwebhooks receiver verifies it, with the attempt log', async () => {
    const { receiver, clientKey } = hooks;
    const { id } = await subscribe(clientKey, '/signals');
    const test = await as(clientKey).post(`/webhooks/${id}/test`);
    expect(test.status).toBe(202);
    expect(test.body.type).toBe('webhook.test');
    const candles = [await closeNextCandle(), await closeNextCandle(), await closeNextCandle()];
    await receiver.until(() => receiver.uniqueDelivered('/signals').size >= 4);
    const got = [...receiver.uniqueDelivered('/signals').values()];
    expect(got.every((hook) => hook.verified)).toBe(true);
    expect(got.every((hook) => hook.headers['content-type'] === 'application/json')).toBe(true);
    const bodies = got.map(
      (hook) =>
        JSON.parse(hook.body) as { type: string; timestamp: string; data: Record<string, unknown> },
    );
    expect(bodies.map((b) => b.type).sort()).toEqual([
      'signal.created',
      'signal.created',
      'signal.created',
      'webhook.test',
    ]);
    const signals = bodies.filter((b) => b.type === 'signal.created');
    expect(signals.map((b) => Date.parse(b.data.openTime as string)).sort()).toEqual(
      candles.map((c) => c.openTime),
    );
    expect(signals[0]!.data).toMatchObject({
      symbol: 'BTC',
      pair: 'BTCUSDT',
      interval: '1h',
      strategyName: 'default',
    });
    expect(['BUY', 'SELL', 'HOLD']).toContain(signals[0]!.data.action);
    expect(Math.max(...got.map((hook) => Buffer.byteLength(hook.body)))).toBeLessThan(8 * 1024);
    expect(got.find((hook) => hook.body.includes('webhook.test'))!.headers['webhook-id']).toBe(
      test.body.messageId,
    );

    const log = await settledDeliveries(id, 4);
    expect(log).toHaveLength(4);
    expect(
      log.every(
        (d) =>
          d.succeeded && d.statusCode === 204 && d.attempt === 1 && d.messageStatus === 'succeeded',
      ),
    ).toBe(true);
    // The same candle event again (a redelivered pub/sub message) is the same message: no second delivery.
    await as(clientKey).delete(`/webhooks/${id}`);
  });

  it('keeps retrying a receiver that is down, and it receives every message once it is up', async () => {
    const { receiver, clientKey } = hooks;
    const { id } = await subscribe(clientKey, '/flaky');
    let failuresLeft = 5;
    receiver.answerWith(({ path }) => {
      if (path === '/flaky' && failuresLeft > 0) {
        failuresLeft -= 1;
        return { status: 503, headers: { 'retry-after': '0' } };
      }
      return { status: 200 };
    });
    try {
      await closeNextCandle();
      await closeNextCandle();
      await receiver.until(() => receiver.uniqueDelivered('/flaky').size >= 2);
    } finally {
      receiver.answerWith({ status: 204 });
    }
    const all = receiver.received.filter((hook) => hook.path === '/flaky');
    expect(all.length).toBe(7);
    expect(all.every((hook) => hook.verified)).toBe(true);
    // Retries carry the same webhook-id: two messages, each received successfully exactly once.
    expect(new Set(all.map((hook) => hook.headers['webhook-id'])).size).toBe(2);
    const log = await settledDeliveries(id, 2);
    expect(log.filter((d) => !d.succeeded)).toHaveLength(5);
    expect(
      log
        .filter((d) => !d.succeeded)
        .every((d) => d.statusCode === 503 && d.nextAttemptAt !== null),
    ).toBe(true);
    expect(log.filter((d) => d.succeeded)).toHaveLength(2);
    expect(Math.max(...log.map((d) => d.attempt))).toBeGreaterThan(1);
    expect((await as(clientKey).get(`/webhooks/${id}`)).body.enabled).toBe(true);
    await as(clientKey).delete(`/webhooks/${id}`);
  });

  it('disables a subscription whose receiver answers 410 Gone, and its owner sees why', async () => {
    const { receiver, clientKey } = hooks;
    const { id } = await subscribe(clientKey, '/gone');
    receiver.answerWith(({ path }) => (path === '/gone' ? { status: 410 } : { status: 204 }));
    try {
      await closeNextCandle();
      const disabled = await waitFor(async () => {
        const body = (await as(clientKey).get(`/webhooks/${id}`)).body;
        return body.enabled ? undefined : body;
      });
      expect(disabled.disabledReason).toContain('410 Gone');
      expect(receiver.received.filter((hook) => hook.path === '/gone')).toHaveLength(1);
    } finally {
      receiver.answerWith({ status: 204 });
    }
    await as(clientKey).delete(`/webhooks/${id}`);
  });

  it('disables the subscription with the reason once the retries are exhausted; a replay then delivers', async () => {
    const { receiver, clientKey } = hooks;
    const { id } = await subscribe(clientKey, '/down');
    receiver.answerWith(({ path }) => (path === '/down' ? { status: 500 } : { status: 204 }));
    try {
      await closeNextCandle();
      const disabled = await waitFor(
        async () => {
          const body = (await as(clientKey).get(`/webhooks/${id}`)).body;
          return body.enabled ? undefined : body;
        },
        { timeoutMs: 15_000 },
      );
      expect(disabled.disabledReason).toMatch(/failed 4 attempt\(s\).*receiver answered 500/);
    } finally {
      receiver.answerWith({ status: 204 });
    }
    const log = await deliveries(id);
    expect(log.map((d) => d.attempt).sort()).toEqual([1, 2, 3, 4]);
    expect(log.every((d) => !d.succeeded && d.messageStatus === 'failed')).toBe(true);
    expect(log.find((d) => d.attempt === 4)!.nextAttemptAt).toBeNull();

    // A replay needs the subscription enabled; then the same message goes out again.
    expect(
      (await as(clientKey).post(`/webhooks/${id}/deliveries/${log[0]!.id}/replay`)).status,
    ).toBe(409);
    expect((await as(clientKey).post(`/webhooks/${id}/enable`)).body.enabled).toBe(true);
    const replay = await as(clientKey).post(`/webhooks/${id}/deliveries/${log[0]!.id}/replay`);
    expect(replay.status).toBe(202);
    expect(replay.body.messageId).toBe(log[0]!.messageId);
    await receiver.until(() => receiver.uniqueDelivered('/down').size === 1);
    expect(receiver.uniqueDelivered('/down').get(log[0]!.messageId)?.verified).toBe(true);
    await waitFor(async () =>
      (await deliveries(id)).some((d) => d.attempt === 5 && d.succeeded) ? true : undefined,
    );
    await as(clientKey).delete(`/webhooks/${id}`);
  });

  it('signs with both the new and the old secret after a rotation', async () => {
    const { receiver, clientKey } = hooks;
    const { id, secret: oldSecret } = await subscribe(clientKey, '/rotate');
    const rotated = await as(clientKey).post(`/webhooks/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    const newSecret = rotated.body.secret;
    expect(newSecret).not.toBe(oldSecret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt!) - Date.now()).toBeGreaterThan(
      23 * HOUR_MS,
    );
    // The same request again at once, as a client whose answer was lost would send it: the
    // secret receivers hold (the old one) must keep signing; the lost one is replaced.
    const retried = await as(clientKey).post(`/webhooks/${id}/rotate-secret`);
    expect(retried.status).toBe(200);
    const retriedSecret = retried.body.secret;
    expect(retried.body.previousSecretExpiresAt).toBe(rotated.body.previousSecretExpiresAt);
    receiver.forget(oldSecret);
    await as(clientKey).post(`/webhooks/${id}/test`);
    await receiver.until(() => receiver.uniqueDelivered('/rotate').size === 1);
    const [hook] = [...receiver.uniqueDelivered('/rotate').values()];
    expect(hook!.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(retriedSecret).verify(hook!.body, hook!.headers)).not.toThrow();
    expect(() => new Webhook(oldSecret).verify(hook!.body, hook!.headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(hook!.body, hook!.headers)).toThrow();
    await as(clientKey).delete(`/webhooks/${id}`);
  });
});
