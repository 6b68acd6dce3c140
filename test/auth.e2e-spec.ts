import { createHash } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import WebSocket from 'ws';
import { api } from './support/api';
import { connectGraphQLWs } from './support/graphql-ws';
import { startTestApp, type TestApp } from './support/test-app';
import { sleep, waitFor } from './support/wait-for';

describe('API keys and access control', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const admin = () => ({ 'x-api-key': t.adminKey });

  const http = () => api(t, { key: t.adminKey });

  async function createKey(name: string, role: 'admin' | 'client') {
    const response = await http().post('/admin/api-keys', { body: { name, role } });
    expect(response.status).toBe(201);
    return response.body;
  }

  it('answers 401 without a key, with an unknown key, and says why', async () => {
    const missing = await request(t.url).get('/me');
    expect(missing.status).toBe(401);
    expect(missing.body).toMatchObject({
      statusCode: 401,
      error: 'Unauthorized',
      code: 'UNAUTHENTICATED',
    });
    expect(missing.body.message).toMatch(/Missing API key/);
    expect(missing.body.requestId).toBe(missing.headers['x-request-id']);

    const unknown = await request(t.url).get('/me').set('x-api-key', 'cft_not-a-real-key');
    expect(unknown.status).toBe(401);
    expect(unknown.body.message).toBe('Unknown API key');
  });

  it('accepts the bootstrap admin key as x-api-key and as a Bearer token', async () => {
    const viaHeader = await request(t.url).get('/me').set(admin());
    expect(viaHeader.status).toBe(200);
    expect(viaHeader.body).toMatchObject({ name: 'bootstrap-admin', role: 'admin' });
    const viaBearer = await request(t.url).get('/me').set('authorization', `Bearer ${t.adminKey}`);
    expect(viaBearer.status).toBe(200);
    expect(viaBearer.body.role).toBe('admin');
  });

  it('shows a new key once and stores only its SHA-256', async () => {
    const created = await createKey('once-only', 'client');
    expect(created.key).toMatch(/^cft_[A-Za-z0-9_-]{32}$/);
    expect(created.key.startsWith(created.apiKey.prefix)).toBe(true);

    const list = await http().get('/admin/api-keys');
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(created.key);
    const listed = list.body.find((key) => key.id === created.apiKey.id);
    expect(listed).toMatchObject({ name: 'once-only', role: 'client', revokedAt: null });

    const dataSource = t.app.get(DataSource);
    const rows: Record<string, unknown>[] = await dataSource.query(
      'SELECT * FROM api_keys WHERE id = $1',
      [created.apiKey.id],
    );
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row?.key_hash).toBe(createHash('sha256').update(created.key).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(created.key);
  });

  it('refuses a second active key with the same name (a retried POST cannot mint two)', async () => {
    await createKey('unique-name', 'client');
    const again = await request(t.url)
      .post('/admin/api-keys')
      .set(admin())
      .send({ name: 'unique-name', role: 'client' });
    expect(again.status).toBe(409);
    expect(again.body.details).toEqual([
      { field: 'name', problem: 'is already used by an active key' },
    ]);
    // Also when the creations arrive at once (the check alone let several through).
    const racing = await Promise.all(
      Array.from({ length: 6 }, () =>
        request(t.url)
          .post('/admin/api-keys')
          .set(admin())
          .send({ name: 'racing-name', role: 'client' }),
      ),
    );
    expect(racing.map((response) => response.status).sort()).toEqual([
      201, 409, 409, 409, 409, 409,
    ]);
    expect(racing.find((response) => response.status === 409)?.body.details).toEqual([
      { field: 'name', problem: 'is already used by an active key' },
    ]);
  });

  it('answers 403 to a client key on an admin route, and serves it client routes', async () => {
    const client = await createKey('reader', 'client');
    const me = await request(t.url).get('/me').set('x-api-key', client.key);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ name: 'reader', role: 'client', apiKeyId: client.apiKey.id });
    const forbidden = await request(t.url).get('/admin/api-keys').set('x-api-key', client.key);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ statusCode: 403, code: 'FORBIDDEN' });
    expect(forbidden.body.message).toContain(client.apiKey.prefix);
  });

  it('answers 401 to a revoked key at once, and revoking twice is harmless', async () => {
    const client = await createKey('to-revoke', 'client');
    expect((await request(t.url).get('/me').set('x-api-key', client.key)).status).toBe(200);
    const revoked = await request(t.url).delete(`/admin/api-keys/${client.apiKey.id}`).set(admin());
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).toEqual(expect.any(String));
    const again = await request(t.url).delete(`/admin/api-keys/${client.apiKey.id}`).set(admin());
    expect(again.status).toBe(200);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
    const after = await request(t.url).get('/me').set('x-api-key', client.key);
    expect(after.status).toBe(401);
    expect(after.body.message).toBe('This API key has been revoked');
  });

  it('closes the GraphQL subscriptions of a key when it is revoked, on another replica too', async () => {
    const other = await startTestApp();
    try {
      const client = await createKey('live-revoked', 'client');
      const keeper = await createKey('live-kept', 'client');
      const open = async (url: string, key: string) => {
        const connection = await connectGraphQLWs(url, { 'x-api-key': key });
        await connection.subscribe(
          '1',
          'subscription { candleClosed(symbol: "BTC", interval: "1h") { symbol } }',
        );
        return connection;
      };
      const here = await open(t.url, client.key);
      const there = await open(other.url, client.key);
      const kept = await open(other.url, keeper.key);
      const revokedAt = Date.now();
      const revoked = await request(t.url)
        .delete(`/admin/api-keys/${client.apiKey.id}`)
        .set(admin());
      expect(revoked.status).toBe(200);
      expect(await here.closed).toBe(4403);
      expect(await there.closed).toBe(4403);
      expect(Date.now() - revokedAt).toBeLessThan(1000);
      // Another key's subscription on the same replica stays open.
      // The point is that it is not closed: give a wrongful close the time it would take.
      await sleep(200);
      expect(kept.socket.readyState).toBe(WebSocket.OPEN);
      kept.socket.close();
      // And the revoked key cannot open a new connection.
      const again = new WebSocket(
        `${t.url.replace(/^http/, 'ws')}/graphql`,
        'graphql-transport-ws',
      );
      const refused = new Promise<number>((resolve) => again.on('close', (code) => resolve(code)));
      again.on('open', () =>
        again.send(
          JSON.stringify({ type: 'connection_init', payload: { 'x-api-key': client.key } }),
        ),
      );
      expect(await refused).not.toBe(1000);
    } finally {
      await other.close();
    }
  });

  it('answers 404 for an unknown key id and 400 for an id that is not a UUID', async () => {
    const unknown = await request(t.url)
      .delete('/admin/api-keys/00000000-0000-4000-8000-000000000000')
      .set(admin());
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('NOT_FOUND');
    const traversal = await request(t.url)
      .delete('/admin/api-keys/..%2F..%2Fetc%2Fpasswd')
      .set(admin());
    expect(traversal.status).toBe(400);
    expect(traversal.body.details).toEqual([{ field: 'id', problem: 'must be a UUID' }]);
  });

  it('filters the key list and rejects bad query values naming the field', async () => {
    const clients = await http().get('/admin/api-keys?role=client&includeRevoked=false');
    expect(clients.status).toBe(200);
    for (const key of clients.body) {
      expect(key.role).toBe('client');
      expect(key.revokedAt).toBeNull();
    }
    const bad = await request(t.url)
      .get('/admin/api-keys?role=root&includeRevoked=maybe&extra=1')
      .set(admin());
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    const fields = (bad.body.details as { field: string }[]).map((detail) => detail.field).sort();
    expect(fields).toEqual(['extra', 'includeRevoked', 'role']);
  });

  it('returns the one error shape for bad bodies', async () => {
    const wrongTypes = await request(t.url)
      .post('/admin/api-keys')
      .set(admin())
      .send({ name: 42, role: 'god', extra: true });
    expect(wrongTypes.status).toBe(400);
    expect(wrongTypes.body).toMatchObject({
      statusCode: 400,
      error: 'Bad Request',
      code: 'VALIDATION_FAILED',
    });
    const problems = wrongTypes.body.details as { field: string; problem: string }[];
    expect(problems).toEqual(
      expect.arrayContaining([
        { field: 'name', problem: 'must be a string' },
        { field: 'role', problem: 'must be one of admin, client' },
        { field: 'extra', problem: 'is not an accepted field' },
      ]),
    );
    const badJson = await request(t.url)
      .post('/admin/api-keys')
      .set(admin())
      .set('content-type', 'application/json')
      .send('{"name": "x"');
    expect(badJson.status).toBe(400);
    expect(badJson.body).toMatchObject({
      statusCode: 400,
      code: 'BAD_REQUEST',
      message: 'body is not valid JSON',
    });
    expect(badJson.body.requestId).toBeDefined();
    const huge = await request(t.url)
      .post('/admin/api-keys')
      .set(admin())
      .send({ name: 'x'.repeat(2 * 1024 * 1024), role: 'client' });
    expect(huge.status).toBe(413);
    expect(huge.body.code).toBe('PAYLOAD_TOO_LARGE');
    const notFound = await request(t.url).get('/no/such/route').set(admin());
    expect(notFound.status).toBe(404);
    expect(notFound.body).toMatchObject({
      statusCode: 404,
      code: 'NOT_FOUND',
      message: 'No route GET /no/such/route',
    });
    expect(notFound.body.stack).toBeUndefined();
  });

  it('keeps a caller-supplied request id and makes one otherwise', async () => {
    const mine = await request(t.url).get('/health').set('x-request-id', 'trace-abc.123');
    expect(mine.headers['x-request-id']).toBe('trace-abc.123');
    const bogus = await request(t.url).get('/health').set('x-request-id', 'bad id with spaces');
    expect(bogus.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('records when a key was last used without a query per request', async () => {
    const client = await createKey('usage-tracked', 'client');
    await request(t.url).get('/me').set('x-api-key', client.key).expect(200);
    const lastUsed = await waitFor(
      async () => {
        const list = await http().get('/admin/api-keys');
        const key = list.body.find((k) => k.id === client.apiKey.id);
        return key?.lastUsedAt ?? undefined;
      },
      { timeoutMs: 8000, intervalMs: 250, what: 'last_used_at to be written' },
    );
    expect(new Date(lastUsed).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });
});

describe('revocation across replicas', () => {
  it('stops a revoked key on another replica within a second', async () => {
    const [a, b] = [await startTestApp(), await startTestApp()];
    try {
      const created = await api(a, { key: a.adminKey }).post('/admin/api-keys', {
        body: { name: 'replicated', role: 'client' },
      });
      const key = created.body.key;
      // Both replicas now hold the key in their caches.
      expect((await request(a.url).get('/me').set('x-api-key', key)).status).toBe(200);
      expect((await request(b.url).get('/me').set('x-api-key', key)).status).toBe(200);
      await request(a.url)
        .delete(`/admin/api-keys/${created.body.apiKey.id}`)
        .set('x-api-key', a.adminKey)
        .expect(200);
      const revokedAt = Date.now();
      await waitFor(
        async () =>
          (await request(b.url).get('/me').set('x-api-key', key)).status === 401 ? true : undefined,
        {
          timeoutMs: 1000,
          intervalMs: 20,
          what: 'replica b to refuse the revoked key',
        },
      );
      expect(Date.now() - revokedAt).toBeLessThan(1000);
    } finally {
      await a.close();
      await b.close();
    }
  });
});
