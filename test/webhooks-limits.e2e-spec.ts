import { api } from './support/api';
import { startTestApp, type TestApp } from './support/test-app';
import { databaseUrl, scratchName } from './support/test-env';

describe('webhook subscriptions per key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        DATABASE_URL: databaseUrl(scratchName('hooklimit')),
        REDIS_PREFIX: scratchName('hooklimit'),
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        WEBHOOK_MAX_PER_KEY: '3',
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('holds WEBHOOK_MAX_PER_KEY even when the creations arrive at once', async () => {
    const statuses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        api(t, { key: t.adminKey })
          .post('/webhooks', {
            body: { url: `http://127.0.0.1:9/hook-${i}`, events: ['signal.created'] },
          })
          .then((response) => response.status),
      ),
    );
    expect(statuses.filter((status) => status === 201)).toHaveLength(3);
    expect(statuses.filter((status) => status === 409)).toHaveLength(5);
    const listed = await api(t, { key: t.adminKey }).get('/webhooks');
    expect(listed.body).toHaveLength(3);
  });
});
