import request from 'supertest';
import { QueueService } from '../src/queue/queue.service';
import { JobName } from '../src/queue/queue.catalogue';
import { api, errorOf, fieldProblems } from './support/api';
import { TcpProxy } from './support/tcp-proxy';
import { databaseUrl } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

async function graphql(
  t: TestApp,
  query: string,
  key?: string,
  variables?: Record<string, unknown>,
) {
  const call = request(t.url).post('/graphql').send({ query, variables });
  if (key) {
    void call.set('x-api-key', key);
  }
  return call;
}

describe('platform', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ worker: true });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('jobs', () => {
    it('shows a job from waiting to completed, with progress and result', async () => {
      const started = await api(t, { key: t.adminKey }).post('/admin/jobs/clean-queues', {
        body: { graceMs: 0, limitPerState: 100 },
      });
      expect(started.status).toBe(202);
      const jobId = started.body.jobId;
      expect(jobId).toMatch(/^clean-queues\./);

      const finished = await waitFor(
        async () => {
          const job = await request(t.url).get(`/jobs/${jobId}`).set('x-api-key', t.adminKey);
          expect(job.status).toBe(200);
          return job.body.state === 'completed' ? job.body : undefined;
        },
        { what: `job ${jobId} to complete` },
      );
      expect(finished).toMatchObject({
        id: jobId,
        name: 'clean-queues',
        queue: 'maintenance',
        state: 'completed',
        progress: 100,
        data: { graceMs: 0, limitPerState: 100 },
        error: null,
        attemptsMade: 1,
        maxAttempts: 3,
      });
      expect(finished.result.removed.maintenance).toEqual({
        completed: expect.any(Number),
        failed: expect.any(Number),
      });
      expect(new Date(finished.finishedAt).getTime()).toBeGreaterThanOrEqual(
        new Date(finished.startedAt).getTime(),
      );

      const viaGraphql = await graphql(
        t,
        `
          query ($id: ID!) {
            job(id: $id) {
              id
              state
              progress
              result
              error
            }
          }
        `,
        t.adminKey,
        {
          id: jobId,
        },
      );
      expect(viaGraphql.body.errors).toBeUndefined();
      expect(viaGraphql.body.data.job).toMatchObject({
        id: jobId,
        state: 'completed',
        progress: 100,
        error: null,
      });
    });

    it('shows a permanently failed job with its error after one attempt', async () => {
      const jobId = await t.app.get(QueueService).enqueue({
        name: JobName.CleanQueues,
        payload: { graceMs: -5, limitPerState: 10 },
      });
      const failed = await waitFor(
        async () => {
          const job = await request(t.url).get(`/jobs/${jobId}`).set('x-api-key', t.adminKey);
          return job.body.state === 'failed' ? job.body : undefined;
        },
        { what: `job ${jobId} to fail` },
      );
      expect(failed.error).toBe('graceMs must be a whole number >= 0, got -5');
      expect(failed.attemptsMade).toBe(1);
    });

    it('runs a job again under the same key once the first one has finished (enqueueAgain)', async () => {
      const queues = t.app.get(QueueService);
      const key = `again-${Date.now()}`;
      const stateOf = async (jobId: string) =>
        (await api(t, { key: t.adminKey }).get(`/jobs/${jobId}`)).body;
      const first = await queues.enqueue({
        name: JobName.CleanQueues,
        key,
        payload: { graceMs: -5, limitPerState: 10 },
      });
      await waitFor(async () => ((await stateOf(first)).state === 'failed' ? true : undefined), {
        what: `job ${first} to fail`,
      });
      // A plain add under an id BullMQ still holds does nothing.
      await queues.enqueueMany(JobName.CleanQueues, [
        { key, payload: { graceMs: 0, limitPerState: 10 } },
      ]);
      expect(await stateOf(first)).toMatchObject({ state: 'failed', data: { graceMs: -5 } });
      const again = await queues.enqueueAgain({
        name: JobName.CleanQueues,
        key,
        payload: { graceMs: 0, limitPerState: 10 },
      });
      expect(again).toBe(first);
      await waitFor(async () => ((await stateOf(again)).state === 'completed' ? true : undefined), {
        what: `job ${again} to run again and complete`,
      });
      expect((await stateOf(again)).data).toEqual({ graceMs: 0, limitPerState: 10 });
    });

    it('answers 404 for an unknown job and 400 for a malformed id', async () => {
      const unknown = await request(t.url)
        .get('/jobs/clean-queues.nope')
        .set('x-api-key', t.adminKey);
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toBe('No job with id clean-queues.nope');
      const otherQueue = await request(t.url)
        .get('/jobs/unknown-job.1')
        .set('x-api-key', t.adminKey);
      expect(otherQueue.status).toBe(404);
      const malformed = await request(t.url).get('/jobs/%3Cscript%3E').set('x-api-key', t.adminKey);
      expect(malformed.status).toBe(400);
      expect(fieldProblems(errorOf(malformed))[0]?.field).toBe('id');
    });

    it('refuses bad clean-queues input naming the field', async () => {
      const bad = await request(t.url)
        .post('/admin/jobs/clean-queues')
        .set('x-api-key', t.adminKey)
        .send({ graceMs: -1, limitPerState: 1e12 });
      expect(bad.status).toBe(400);
      expect(
        fieldProblems(errorOf(bad))
          .map((d) => d.field)
          .sort(),
      ).toEqual(['graceMs', 'limitPerState']);
    });
  });

  describe('GraphQL', () => {
    it('serves me and carries extensions.code on errors', async () => {
      const me = await graphql(t, '{ me { name role } }', t.adminKey);
      expect(me.body.data.me).toEqual({ name: 'bootstrap-admin', role: 'admin' });

      const anonymous = await graphql(t, '{ me { name } }');
      expect(anonymous.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
      expect(anonymous.body.errors[0].message).toMatch(/Missing API key/);

      const created = await graphql(
        t,
        'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id role } } }',
        t.adminKey,
        { input: { name: 'gql-client', role: 'client' } },
      );
      expect(created.body.errors).toBeUndefined();
      const clientKey = created.body.data.createApiKey.key as string;
      const forbidden = await graphql(t, '{ apiKeys { id } }', clientKey);
      expect(forbidden.body.errors[0].extensions.code).toBe('FORBIDDEN');

      const invalid = await graphql(
        t,
        'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key } }',
        t.adminKey,
        { input: { name: '', role: 'client' } },
      );
      expect(invalid.body.errors[0].extensions.code).toBe('VALIDATION_FAILED');
      expect(invalid.body.errors[0].extensions.details[0].field).toBe('name');

      const badId = await graphql(t, 'mutation { revokeApiKey(id: "../../x") { id } }', t.adminKey);
      expect(badId.body.errors[0].extensions.code).toBe('VALIDATION_FAILED');
      expect(JSON.stringify(badId.body)).not.toMatch(/at .*\.js:\d+/);
    });

    it('refuses an operation with more than 20 root fields, aliases and fragments included', async () => {
      const aliases = Array.from({ length: 21 }, (_, i) => `a${i}: me { name }`).join(' ');
      const many = await graphql(t, `{ ${aliases} }`, t.adminKey);
      expect(many.status).toBe(400);
      expect(many.body.errors[0].message).toMatch(/at most 20 root fields .* selects 21/);
      const viaFragment = await graphql(
        t,
        `query { ...lots } fragment lots on Query { ${aliases} }`,
        t.adminKey,
      );
      expect(viaFragment.body.errors[0].message).toMatch(/selects 21/);
      const twenty = Array.from({ length: 20 }, (_, i) => `a${i}: me { name }`).join(' ');
      const allowed = await graphql(t, `{ ${twenty} }`, t.adminKey);
      expect(allowed.body.errors).toBeUndefined();
      expect(allowed.body.data.a19).toEqual({ name: 'bootstrap-admin' });
    });
  });

  describe('observability', () => {
    it('exposes Prometheus metrics with HTTP latency by route and queue depths', async () => {
      await request(t.url).get('/me').set('x-api-key', t.adminKey).expect(200);
      const metrics = await request(t.url).get('/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.headers['content-type']).toMatch(/^text\/plain/);
      expect(metrics.text).toMatch(
        /http_request_duration_seconds_bucket\{.*method="GET",route="\/me",status_code="200"/,
      );
      expect(metrics.text).toMatch(/queue_jobs\{queue="maintenance",state="completed"\} \d+/);
      expect(metrics.text).toContain('process_cpu_user_seconds_total');
    });

    it('serves the API docs and keeps Bull Board for admins', async () => {
      const docs = await request(t.url).get('/docs/openapi.json');
      expect(docs.status).toBe(200);
      expect(docs.body.paths['/me']).toBeDefined();
      const anonymous = await request(t.url).get('/admin/queues');
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['www-authenticate']).toMatch(/^Basic/);
      const basic = Buffer.from(`admin:${t.adminKey}`).toString('base64');
      const board = await request(t.url)
        .get('/admin/queues')
        .set('authorization', `Basic ${basic}`);
      expect(board.status).toBe(200);
      expect(board.text).toContain('Bull Dashboard');
    });
  });
});

describe('readiness', () => {
  it('reports 503 naming a stopped PostgreSQL or Redis, and recovers', async () => {
    const pgProxy = new TcpProxy('127.0.0.1', 5432);
    const redisProxy = new TcpProxy('127.0.0.1', 6379);
    const pgPort = await pgProxy.start();
    const redisPort = await redisProxy.start();
    const dbUrl = new URL(databaseUrl());
    dbUrl.port = String(pgPort);
    const t = await startTestApp({
      env: {
        DATABASE_URL: dbUrl.toString(),
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        DATABASE_POOL_SIZE: '2',
      },
    });
    try {
      const ready = await request(t.url).get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body.checks).toEqual({
        database: { status: 'up' },
        redis: { status: 'up' },
        migrations: { status: 'up' },
      });

      // Warm the key cache, then take PostgreSQL away: an authenticated request needs no query.
      expect((await request(t.url).get('/me').set('x-api-key', t.adminKey)).status).toBe(200);
      await pgProxy.stop();
      const pgDown = await request(t.url).get('/health/ready');
      expect(pgDown.status).toBe(503);
      expect(pgDown.body.message).toMatch(/database/);
      const cachedKey = await request(t.url).get('/me').set('x-api-key', t.adminKey);
      expect(cachedKey.status).toBe(200);
      expect(cachedKey.body.role).toBe('admin');
      // An unknown key cannot be checked without PostgreSQL: 503, not 500, and not a wrong 401.
      const uncached = await request(t.url)
        .get('/me')
        .set('x-api-key', 'cft_never-seen-before-key');
      expect(uncached.status).toBe(503);
      expect(uncached.body.code).toBe('SERVICE_UNAVAILABLE');

      await pgProxy.start(pgPort);
      await waitFor(
        async () => ((await request(t.url).get('/health/ready')).status === 200 ? true : undefined),
        {
          timeoutMs: 15_000,
          intervalMs: 250,
          what: 'PostgreSQL to be back',
        },
      );

      await redisProxy.stop();
      const redisDown = await request(t.url).get('/health/ready');
      expect(redisDown.status).toBe(503);
      expect(redisDown.body).toMatchObject({ statusCode: 503, code: 'SERVICE_UNAVAILABLE' });
      expect(redisDown.body.message).toMatch(/^Not ready: redis \(/);
      expect(redisDown.body.message).not.toMatch(/database/);
      expect((await request(t.url).get('/health')).status).toBe(200);
      // Rate limits fail open without Redis: the API keeps serving.
      expect((await request(t.url).get('/me').set('x-api-key', t.adminKey)).status).toBe(200);

      await redisProxy.start(redisPort);
      await waitFor(
        async () => ((await request(t.url).get('/health/ready')).status === 200 ? true : undefined),
        {
          timeoutMs: 15_000,
          intervalMs: 250,
          what: 'readiness to recover',
        },
      );
    } finally {
      await t.close();
      await pgProxy.stop();
      await redisProxy.stop();
    }
  });
});
