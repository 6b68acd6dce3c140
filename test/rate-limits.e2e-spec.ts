import request from 'supertest';
import { startTestApp, type TestApp } from './support/test-app';

describe('rate limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      env: {
        RATE_LIMIT_MAX: '5',
        RATE_LIMIT_ANONYMOUS_MAX: '2',
        RATE_LIMIT_WINDOW_MS: '30000',
        REDIS_PREFIX: `rl${Date.now()}`,
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 with Retry-After per key, and per address for anonymous calls', async () => {
    const statuses: number[] = [];
    const remaining: string[] = [];
    let limited: request.Response | undefined;
    for (let i = 0; i < 6; i++) {
      const response = await request(t.url).get('/me').set('x-api-key', t.adminKey);
      statuses.push(response.status);
      remaining.push(response.headers['x-ratelimit-remaining'] as string);
      expect(response.headers['x-ratelimit-limit']).toBe('5');
      expect(Number(response.headers['x-ratelimit-reset'])).toBeGreaterThan(0);
      limited = response;
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect(remaining).toEqual(['4', '3', '2', '1', '0', '0']);
    expect(limited?.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited?.headers['retry-after'])).toBeLessThanOrEqual(30);

    const anonymous = [];
    for (let i = 0; i < 3; i++) {
      anonymous.push((await request(t.url).get('/me')).status);
    }
    expect(anonymous).toEqual([401, 401, 429]);
    // Health stays reachable for load balancers.
    expect((await request(t.url).get('/health')).status).toBe(200);
  });

  it('shares the count across replicas through Redis', async () => {
    const other = await startTestApp({
      env: {
        RATE_LIMIT_MAX: '5',
        RATE_LIMIT_ANONYMOUS_MAX: '2',
        RATE_LIMIT_WINDOW_MS: '30000',
        REDIS_PREFIX: t.config.get('REDIS_PREFIX'),
      },
    });
    try {
      const response = await request(other.url).get('/me').set('x-api-key', t.adminKey);
      expect(response.status).toBe(429);
    } finally {
      await other.close();
    }
  });
});
