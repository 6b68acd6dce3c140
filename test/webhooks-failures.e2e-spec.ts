import { Queue } from 'bullmq';
import { REDIS_URL } from './support/test-env';
import { waitFor } from './support/wait-for';
import { HOUR_MS, WebhooksHarness } from './support/webhooks-harness';

/**
 * What must not stop or lose deliveries: a hung receiver, a revoked key, an event that never
 * reached a worker, a worker killed in the middle of a delivery.
 */
describe('webhook deliveries under failure', () => {
  const hooks = new WebhooksHarness({ worker: true });
  const { as, sql, subscribe, deliveries, closeNextCandle } = hooks;

  it('never lets a hung receiver delay the other subscribers', async () => {
    const { receiver, clientKey, otherKey } = hooks;
    // The worker runs 4 deliveries at once, at most 2 per endpoint: five messages to a hung
    // endpoint would otherwise take every slot for the 3 s timeout.
    const hung = await subscribe(clientKey, '/hung');
    const fast = await subscribe(otherKey, '/fast');
    receiver.answerWith(({ path }) =>
      path === '/hung' ? { status: 200, hang: true } : { status: 204 },
    );
    try {
      for (let i = 0; i < 5; i++) {
        await closeNextCandle();
      }
      await receiver.until(() => receiver.uniqueDelivered('/fast').size === 5, 10_000);
      const held = receiver.received.filter((hook) => hook.path === '/hung' && hook.answered === 0);
      expect(held.length).toBeGreaterThanOrEqual(1);
      expect(held.length).toBeLessThanOrEqual(2);
      // Every fast delivery arrived before the first hung request even timed out (3 s): none of
      // them waited for a slot the hung endpoint held.
      const firstHeld = Math.min(...held.map((hook) => hook.receivedAt));
      const lastFast = Math.max(
        ...[...receiver.uniqueDelivered('/fast').values()].map((hook) => hook.receivedAt),
      );
      expect(lastFast).toBeLessThan(firstHeld + 3000);
      const timedOut = await waitFor(
        async () =>
          (await deliveries(hung.id)).find((d) => d.error?.includes('no answer within 3000 ms')),
        { timeoutMs: 10_000 },
      );
      expect(timedOut.nextAttemptAt).not.toBeNull();
    } finally {
      receiver.answerWith({ status: 204 });
    }
    await as(clientKey).delete(`/webhooks/${hung.id}`);
    await as(otherKey).delete(`/webhooks/${fast.id}`);
  });

  it('stops delivering to the subscriptions of a revoked key', async () => {
    const { receiver, clientKey, t } = hooks;
    const key = (
      await as(t.adminKey).post('/admin/api-keys', { body: { name: 'hooks-c', role: 'client' } })
    ).body;
    const revoked = await subscribe(key.key, '/revoked');
    const control = await subscribe(clientKey, '/control');
    // A message to it is failing and has retries queued when the key is revoked: they stop too.
    receiver.answerWith(({ path }) => (path === '/revoked' ? { status: 500 } : { status: 204 }));
    await closeNextCandle();
    await receiver.until(() => receiver.received.some((hook) => hook.path === '/revoked'));
    expect((await as(t.adminKey).delete(`/admin/api-keys/${key.apiKey.id}`)).status).toBe(200);
    const toRevoked = () => receiver.received.filter((hook) => hook.path === '/revoked').length;
    const attempted = toRevoked();
    // The next queued retry finds the key revoked and settles the message as failed, without an
    // attempt; nothing is left to send it after that (an admin still sees the log).
    await waitFor(
      async () => {
        const log = await deliveries(revoked.id, t.adminKey);
        return log.length && log.every((d) => d.messageStatus === 'failed') ? true : undefined;
      },
      { what: "the revoked key's message to settle as failed" },
    );
    // At most one attempt already under way when the key was revoked.
    expect(toRevoked()).toBeLessThanOrEqual(attempted + 1);
    receiver.answerWith({ status: 204 });
    const settled = toRevoked();
    // And nothing new for it: one statement stores a candle's message for every subscription, so
    // once the control's has arrived, the revoked key's subscription would have one too.
    const messagesOf = async (subscriptionId: string) =>
      (
        await sql<{ count: number }>(
          'SELECT count(*)::int AS count FROM webhook_messages WHERE subscription_id = $1',
          [subscriptionId],
        )
      )[0]?.count;
    expect(await messagesOf(revoked.id)).toBe(1);
    await closeNextCandle();
    await receiver.until(() => receiver.uniqueDelivered('/control').size === 2);
    expect(await messagesOf(control.id)).toBe(2);
    expect(await messagesOf(revoked.id)).toBe(1);
    expect(toRevoked()).toBe(settled);
    await as(clientKey).delete(`/webhooks/${control.id}`);
  });

  it('still delivers a signal whose signal.created never reached a worker (the minute sweep)', async () => {
    const { receiver, clientKey, t } = hooks;
    const { id } = await subscribe(clientKey, '/swept');
    const strategies = (await as(t.adminKey).get('/strategies')).body;
    const strategyId = strategies.find((s) => s.name === 'default')!.id;
    // A signal stored without its event (as if the worker died between the two).
    const openTime = hooks.lastCandle.openTime + 1000 * HOUR_MS;
    await sql(
      `INSERT INTO signals (strategy_id, exchange, symbol, interval, open_time, action, score, confidence, reasons, close)
       VALUES ($1, 'binance', 'BTCUSDT', '1h', to_timestamp($2 / 1000.0), 'BUY', 0.5, 0.5, '[]', 100)`,
      [strategyId, openTime],
    );
    const maintenance = new Queue('maintenance', {
      connection: { host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) },
      prefix: `${hooks.prefix}:bull`,
    });
    await maintenance.add('sweep-webhooks', {}, { jobId: `sweep-webhooks.test-${Date.now()}` });
    await maintenance.close();
    await receiver.until(() =>
      [...receiver.uniqueDelivered('/swept').values()].some(
        (hook) =>
          Date.parse((JSON.parse(hook.body) as { data: { openTime: string } }).data.openTime) ===
          openTime,
      ),
    );
    const log = await waitFor(async () => {
      const attempts = await deliveries(id);
      return attempts.length ? attempts : undefined;
    });
    expect(log).toEqual([
      expect.objectContaining({ eventType: 'signal.created', succeeded: true }),
    ]);
    await as(clientKey).delete(`/webhooks/${id}`);
  });

  it('loses nothing when the worker is killed in the middle of a delivery', async () => {
    const { receiver, clientKey } = hooks;
    const { id } = await subscribe(clientKey, '/slow');
    receiver.answerWith(({ path }) =>
      path === '/slow' ? { status: 200, hang: true } : { status: 204 },
    );
    await closeNextCandle();
    await receiver.until((received) => received.some((hook) => hook.path === '/slow'));
    const messageId = receiver.received.find((hook) => hook.path === '/slow')!.headers[
      'webhook-id'
    ]!;
    await hooks.stopWorker('SIGKILL');
    receiver.answerWith({ status: 204 });
    hooks.startWorker();
    await receiver.until(() => receiver.uniqueDelivered('/slow').has(messageId), 45_000);
    expect(receiver.uniqueDelivered('/slow').get(messageId)!.verified).toBe(true);
    const log = await waitFor(async () => {
      const attempts = await deliveries(id);
      return attempts.some((d) => d.succeeded) ? attempts : undefined;
    });
    expect(log.filter((d) => d.succeeded).map((d) => d.messageId)).toEqual([messageId]);
    await hooks.waitForStream();
    await as(clientKey).delete(`/webhooks/${id}`);
  }, 90_000);
});
