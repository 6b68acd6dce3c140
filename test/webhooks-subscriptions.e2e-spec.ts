import { fieldProblems } from './support/api';
import { WebhooksHarness } from './support/webhooks-harness';

/** Managing subscriptions over REST: secrets, owners, validation. No worker needed. */
describe('webhook subscriptions', () => {
  const hooks = new WebhooksHarness({ worker: false });

  it('creates a subscription showing its secret once, stores the secret encrypted, and keeps owners apart', async () => {
    const { receiver, clientKey, otherKey, t } = hooks;
    const created = await hooks.as(clientKey).post('/webhooks', {
      body: {
        url: `${receiver.url}/owned`,
        events: ['signal.created', 'prediction.updated'],
        symbols: ['btcusdt'],
        description: 'bot',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: `${receiver.url}/owned`,
      events: ['signal.created', 'prediction.updated'],
      symbols: ['BTC'],
      enabled: true,
    });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const id = created.body.id;

    const fetched = await hooks.as(clientKey).get(`/webhooks/${id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).not.toHaveProperty('secret');
    const [row] = await hooks.sql<{ secret_encrypted: string }>(
      'SELECT secret_encrypted FROM webhook_subscriptions WHERE id = $1',
      [id],
    );
    expect(row!.secret_encrypted).not.toContain(created.body.secret.slice(6));
    expect(row!.secret_encrypted.startsWith('v1:')).toBe(true);

    // Another client key cannot see, change, test or delete it: it does not exist for them.
    const other = hooks.as(otherKey);
    expect((await other.get(`/webhooks/${id}`)).status).toBe(404);
    expect((await other.patch(`/webhooks/${id}`, { body: { description: 'mine' } })).status).toBe(
      404,
    );
    expect((await other.post(`/webhooks/${id}/test`)).status).toBe(404);
    expect((await other.delete(`/webhooks/${id}`)).status).toBe(404);
    expect((await other.get(`/webhooks/${id}/deliveries`)).status).toBe(404);
    expect((await other.get('/webhooks')).body).toEqual([]);
    expect((await hooks.as(t.adminKey).get('/webhooks')).body.map((w) => w.id)).toContain(id);

    const patched = await hooks.as(clientKey).patch(`/webhooks/${id}`, {
      body: {
        events: ['prediction.updated'],
        symbols: null,
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      events: ['prediction.updated'],
      symbols: null,
      description: 'bot',
    });
    expect((await hooks.as(clientKey).delete(`/webhooks/${id}`)).status).toBe(204);
    expect((await hooks.as(clientKey).get(`/webhooks/${id}`)).status).toBe(404);
  });

  it('refuses bad subscriptions with a 400 naming the field, private addresses included', async () => {
    const { receiver, clientKey } = hooks;
    const bad = async (body: object) => {
      const response = await hooks.as(clientKey).post('/webhooks', {
        body: {
          events: ['signal.created'],
          ...body,
        },
      });
      expect(response.status).toBe(400);
      return response.errorBody;
    };
    expect((await bad({ url: 'ftp://example.com/x' })).message).toContain(
      'url must use http or https',
    );
    expect((await bad({ url: 'not a url' })).message).toContain('url must be an absolute');
    for (const url of [
      'http://10.1.2.3/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:8080/hook',
      'http://192.168.0.10/hook',
      'http://0.0.0.0/hook',
      'http://[::ffff:10.0.0.1]/hook',
      'http://224.0.0.1/hook',
    ]) {
      const body = await bad({ url });
      expect(body.details).toEqual([expect.objectContaining({ field: 'url' })]);
      expect(body.message).toMatch(/private or internal address/);
    }
    expect((await bad({ url: `${receiver.url}/x`, events: ['candle.eaten'] })).message).toContain(
      'events',
    );
    expect((await bad({ url: `${receiver.url}/x`, symbols: ['DOGE'] })).message).toContain(
      'symbols contains unknown symbol DOGE',
    );
    expect((await bad({ url: `${receiver.url}/x`, strategies: ['not-a-uuid'] })).message).toContain(
      'strategies',
    );
    expect(
      (
        await bad({
          url: `${receiver.url}/x`,
          strategies: ['00000000-0000-4000-8000-000000000000'],
        })
      ).message,
    ).toContain('unknown strategy');
    expect((await hooks.as(clientKey).get('/webhooks/..%2F..%2Fetc')).status).toBe(400);

    // An update may leave url and events out, but not set them to null.
    const created = await hooks.as(clientKey).post('/webhooks', {
      body: {
        url: `${receiver.url}/patch-me`,
        events: ['signal.created'],
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    for (const field of ['url', 'events']) {
      const response = await hooks
        .as(clientKey)
        .patch(`/webhooks/${id}`, { body: { [field]: null } });
      expect(response.status).toBe(400);
      const details = fieldProblems(response.errorBody);
      expect(details.length).toBeGreaterThan(0);
      expect(details.every((detail) => detail.field === field)).toBe(true);
    }
    const unchanged = await hooks.as(clientKey).get(`/webhooks/${id}`);
    expect(unchanged.body).toMatchObject({
      url: `${receiver.url}/patch-me`,
      events: ['signal.created'],
    });
    expect((await hooks.as(clientKey).delete(`/webhooks/${id}`, { rawBody: {} })).status).toBe(204);
  });
});
