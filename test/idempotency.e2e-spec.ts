import request from 'supertest';
import { RedisService } from '../src/redis/redis.service';
import { SecretBox } from '../src/common/secret-box';
import { api } from './support/api';
import { startTestApp, type TestApp } from './support/test-app';

describe('Idempotency-Key', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });
  const create = (key: string | undefined, body: object, apiKey = t.adminKey) =>
    api(t, { key: apiKey }).post('/admin/api-keys', {
      rawBody: body,
      headers: key === undefined ? {} : { 'idempotency-key': key },
    });
  const named = async (name: string) =>
    (await api(t, { key: t.adminKey }).get('/admin/api-keys')).body.filter(
      (key) => key.name === name,
    );

  it('answers a repeated POST with the first answer instead of doing it twice', async () => {
    const idempotencyKey = `idem-${Date.now()}`;
    const first = await create(idempotencyKey, { name: 'idem-once', role: 'client' });
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    // The answer was lost; the client sends the same request again.
    const again = await create(idempotencyKey, { name: 'idem-once', role: 'client' });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await named('idem-once')).toHaveLength(1);
    // Kept sealed: the key shown once is not in Redis in clear.
    const redis = t.app.get(RedisService).client;
    const stored = await redis.keys(`${t.config.redisKey('idempotency')}:*`);
    expect(stored.length).toBeGreaterThan(0);
    for (const redisKey of stored) {
      expect(await redis.get(redisKey)).not.toContain(first.body.key);
    }
  });

  it('refuses the same key for another request (422) and a malformed key (400), and keeps callers apart', async () => {
    const idempotencyKey = `idem-other-${Date.now()}`;
    expect((await create(idempotencyKey, { name: 'idem-a', role: 'client' })).status).toBe(201);
    const reused = await create(idempotencyKey, { name: 'idem-b', role: 'client' });
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ statusCode: 422, code: 'UNPROCESSABLE' });
    expect(await named('idem-b')).toHaveLength(0);
    const malformed = await create('has spaces in it', { name: 'idem-c', role: 'client' });
    expect(malformed.status).toBe(400);
    expect(malformed.errorBody.details).toEqual([
      expect.objectContaining({ field: 'Idempotency-Key' }),
    ]);
    // A first answer that was an error is given again too (a 400 stays a 400).
    const invalid = await create(`idem-bad-${Date.now()}`, { name: '', role: 'root' });
    expect(invalid.status).toBe(400);
    // Another admin key with the same Idempotency-Key runs its own request.
    const other = (await create(undefined, { name: 'idem-admin-2', role: 'admin' })).body;
    const theirs = await create(idempotencyKey, { name: 'idem-a2', role: 'client' }, other.key);
    expect(theirs.status).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(await named('idem-a2')).toHaveLength(1);
    // Without the header a repeat runs again (here refused: the name is taken).
    expect((await create(undefined, { name: 'idem-plain', role: 'client' })).status).toBe(201);
    expect((await create(undefined, { name: 'idem-plain', role: 'client' })).status).toBe(409);
  });

  it('runs a repeat again when the kept answer cannot be given (another SECRET_KEY) or was a GraphQL error', async () => {
    const clean = (key: string) =>
      request(t.url)
        .post('/admin/jobs/clean-queues')
        .set('x-api-key', t.adminKey)
        .set('idempotency-key', key)
        .send({ graceMs: 0, limitPerState: 10 });
    const idempotencyKey = `idem-rekeyed-${Date.now()}`;
    const first = await clean(idempotencyKey);
    expect(first.status).toBe(202);
    // As if SECRET_KEY had changed since: the kept answer is sealed under another key.
    const redis = t.app.get(RedisService).client;
    const [stored] = await redis
      .keys(`${t.config.redisKey('idempotency')}:*`)
      .then(async (keys) => {
        const all = await Promise.all(keys.map(async (k) => ({ k, v: await redis.get(k) })));
        return all.filter(({ v }) => v?.includes('"statusCode":202'));
      });
    const record = JSON.parse(stored!.v!) as { body: string };
    record.body = new SecretBox('another secret key').seal('{"jobId":"stale"}');
    await redis.set(stored!.k, JSON.stringify(record), 'PX', 60_000);
    const again = await clean(idempotencyKey);
    expect(again.status).toBe(202);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(again.body.jobId).not.toBe(first.body.jobId);

    // A GraphQL mutation that failed is not kept: its repeat runs again.
    const mutation = (key: string) =>
      request(t.url)
        .post('/graphql')
        .set('x-api-key', t.adminKey)
        .set('idempotency-key', key)
        .send({ query: 'mutation { createApiKey(input: { name: "", role: "client" }) { key } }' });
    const graphqlKey = `idem-gql-${Date.now()}`;
    const failed = await mutation(graphqlKey);
    expect(failed.body.errors?.length).toBeGreaterThan(0);
    const repeated = await mutation(graphqlKey);
    expect(repeated.body.errors?.length).toBeGreaterThan(0);
    expect(repeated.headers['idempotent-replayed']).toBeUndefined();
  });
});
