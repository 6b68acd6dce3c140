import request from 'supertest';
import { errorOf } from './support/api';
import { startTestApp, type TestApp } from './support/test-app';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
type Method = (typeof METHODS)[number];

const BAD_PATH_VALUES = [
  '..%2F..%2Fetc%2Fpasswd',
  '../../etc/passwd',
  '%00',
  '%E0%A4%A',
  'x'.repeat(5000),
  '-1',
  '1e309',
  'null',
  "' OR 1=1 --",
  '%F0%9F%92%A9',
  '00000000-0000-0000-0000-000000000000',
];

const BAD_BODIES: unknown[] = [
  null,
  [],
  [1, 2, 3],
  'a string',
  42,
  { name: 12345, role: ['admin'] },
  { name: 'x'.repeat(100_000), role: 'client' },
  { name: 'ok', role: 'client', isAdmin: true, __proto__: { polluted: true } },
  { name: 'ok', role: 'client', constructor: { prototype: { polluted: true } } },
  { graceMs: -1, limitPerState: -99999999999 },
  { graceMs: 1e308, limitPerState: Number.MAX_SAFE_INTEGER * 10 },
  { graceMs: '12', limitPerState: true },
  { graceMs: { $gt: 0 } },
  JSON.parse('{"a":' + '{"a":'.repeat(200) + '1' + '}'.repeat(201)),
];

const RAW_BODIES: { contentType: string; body: string }[] = [
  { contentType: 'application/json', body: '{"name": "x"' },
  { contentType: 'application/json', body: '' },
  { contentType: 'application/json', body: '\u0000\u0001' },
  { contentType: 'application/json', body: '{"name": "\\ud800"}' },
  { contentType: 'text/plain', body: 'name=x' },
  { contentType: 'application/x-www-form-urlencoded', body: 'name=x&role=admin' },
  { contentType: 'application/xml', body: '<a/>' },
  { contentType: 'multipart/form-data; boundary=x', body: '--x--' },
];

const BAD_QUERIES = [
  'role=root',
  'role[]=admin&role[]=client',
  'includeRevoked=2',
  `role=${'x'.repeat(10_000)}`,
  'limit=-1&from=yesterday',
  '__proto__[polluted]=1',
  'role=%00',
];

describe('malformed requests against every route', () => {
  let t: TestApp;
  let routes: { method: Method; path: string }[];

  beforeAll(async () => {
    t = await startTestApp({
      env: { RATE_LIMIT_MAX: '100000', RATE_LIMIT_ANONYMOUS_MAX: '100000' },
    });
    routes = Object.entries(t.openapi().paths).flatMap(([path, operations]) =>
      METHODS.filter((method) => operations[method]).map((method) => ({ method, path })),
    );
    routes.push(
      { method: 'post', path: '/graphql' },
      { method: 'get', path: '/admin/queues/api/queues' },
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('never answer with a 5xx, and always with the error shape', async () => {
    expect(routes.length).toBeGreaterThanOrEqual(8);
    const failures: string[] = [];
    let sent = 0;
    const check = async (label: string, call: request.Test) => {
      sent++;
      const response = await call;
      if (response.status >= 500) {
        failures.push(`${label} -> ${response.status} ${response.text.slice(0, 200)}`);
      } else if (
        response.status >= 400 &&
        response.type === 'application/json' &&
        !label.includes('/graphql')
      ) {
        const body = errorOf(response);
        if (
          typeof body.statusCode !== 'number' ||
          typeof body.message !== 'string' ||
          typeof body.code !== 'string'
        ) {
          failures.push(
            `${label} -> ${response.status} without the error shape: ${response.text.slice(0, 200)}`,
          );
        }
        if (response.text.includes('    at ')) {
          failures.push(`${label} -> leaked a stack trace`);
        }
      }
    };

    for (const key of [t.adminKey, undefined]) {
      const auth = (call: request.Test) => (key ? call.set('x-api-key', key) : call);
      for (const { method, path } of routes) {
        const paths = path.includes('{')
          ? BAD_PATH_VALUES.map((value) => path.replace(/\{[^}]+\}/g, value))
          : [path];
        for (const target of paths) {
          await check(
            `${method.toUpperCase()} ${target.slice(0, 80)}`,
            auth(request(t.url)[method](target)),
          );
          for (const query of BAD_QUERIES) {
            await check(
              `${method.toUpperCase()} ${target.slice(0, 60)}?${query.slice(0, 40)}`,
              auth(request(t.url)[method](`${target}?${query}`)),
            );
          }
        }
        if (method === 'get' || method === 'delete') {
          continue;
        }
        const [target] = paths;
        if (target === undefined) {
          continue;
        }
        for (const body of BAD_BODIES) {
          await check(
            `${method.toUpperCase()} ${target} json ${JSON.stringify(body)?.slice(0, 60)}`,
            auth(
              request(t.url)
                [method](target)
                .set('content-type', 'application/json')
                .send(JSON.stringify(body)),
            ),
          );
        }
        for (const raw of RAW_BODIES) {
          await check(
            `${method.toUpperCase()} ${target} ${raw.contentType} ${raw.body.slice(0, 30)}`,
            auth(
              request(t.url)[method](target).set('content-type', raw.contentType).send(raw.body),
            ),
          );
        }
      }
      for (const query of [
        '{',
        '{ me { nope } }',
        'query { job(id: 12) { id } }',
        `{ ${'me { name } '.repeat(500)} }`,
        'mutation { createApiKey(input: {name: 5}) { key } }',
        '{ job(id: "../../x") { id } }',
      ]) {
        await check(
          `POST /graphql ${query.slice(0, 40)}`,
          auth(request(t.url).post('/graphql').send({ query })),
        );
      }
      await check(
        'POST /graphql variables not an object',
        auth(request(t.url).post('/graphql').send({ query: '{ me { name } }', variables: 'nope' })),
      );
    }
    expect(sent).toBeGreaterThan(500);
    expect(failures).toEqual([]);
  });
});
