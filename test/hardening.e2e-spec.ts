import request, { type Response } from 'supertest';
import { MAX_JSON_DEPTH } from '../src/common/json-body';
import { errorOf } from './support/api';
import { graphqlBodyOf } from './support/graphql';
import { startTestApp, type TestApp } from './support/test-app';

const TOO_DEEP = `The request body is nested too deep: JSON objects and arrays may nest at most ${MAX_JSON_DEPTH} levels`;

/** `{"a":{"a":...1...}}` with `depth` levels of objects. */
function nestedObject(depth: number): string {
  return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** Faults a hostile or unlucky client can cause, each answered as the service's own error. */
describe('hardening found by fault tests', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  describe('JSON nesting depth', () => {
    const post = (path: string, body: string) =>
      request(t.url)
        .post(path)
        .set('x-api-key', t.adminKey)
        .set('content-type', 'application/json')
        .send(body);

    it('refuses a body nested deeper than the limit with a 400 that says so, REST and GraphQL alike', async () => {
      for (const depth of [MAX_JSON_DEPTH + 1, 3_000, 100_000]) {
        const rest = await post('/admin/api-keys', nestedObject(depth));
        expect({ depth, status: rest.status }).toEqual({ depth, status: 400 });
        const body = errorOf(rest);
        expect(body.code).toBe('BAD_REQUEST');
        expect(body.message).toBe(TOO_DEEP);
        expect(body.requestId).toBe(rest.headers['x-request-id']);

        const graphql = await post(
          '/graphql',
          `{"query":"{ me { name } }","variables":${nestedObject(depth)}}`,
        );
        expect({ depth, status: graphql.status }).toEqual({ depth, status: 400 });
        expect(graphqlBodyOf(graphql).errors).toEqual([
          {
            message: TOO_DEEP,
            extensions: {
              code: 'BAD_REQUEST',
              statusCode: 400,
              requestId: graphql.headers['x-request-id'],
            },
          },
        ]);
      }
      // Arrays count as well as objects.
      const arrays = await post('/admin/api-keys', '['.repeat(5_000) + ']'.repeat(5_000));
      expect(arrays.status).toBe(400);
      expect(errorOf(arrays).message).toBe(TOO_DEEP);
    });

    it('refuses a 1 MB body of 170,000 levels without holding the event loop', async () => {
      const body = '['.repeat(170_000) + ']'.repeat(170_000) + ' '.repeat(1024 * 1024 - 340_001);
      const started = performance.now();
      const [deep, health] = await Promise.all([
        post('/admin/api-keys', body),
        request(t.url).get('/health'),
      ]);
      expect(deep.status).toBe(400);
      expect(errorOf(deep).message).toBe(TOO_DEEP);
      expect(health.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(2_000);
    });

    it('parses bodies within the limit, brackets inside strings not counted', async () => {
      // At the limit the body is parsed and reaches validation (a 400 about its fields).
      const atLimit = await post('/admin/api-keys', nestedObject(MAX_JSON_DEPTH));
      expect(atLimit.status).toBe(400);
      expect(errorOf(atLimit).code).toBe('VALIDATION_FAILED');

      const variables = { note: `\\" ${'[{'.repeat(2_000)} \\` };
      const graphql = await post(
        '/graphql',
        JSON.stringify({ query: '{ me { name } }', variables }),
      );
      expect(graphql.status).toBe(200);
      expect(graphql.body).toEqual({ data: { me: { name: expect.any(String) as string } } });
    });
  });

  describe('GraphQL error codes', () => {
    const graphql = (body: string | object, key: string | null = t.adminKey) => {
      const call = request(t.url).post('/graphql').set('content-type', 'application/json');
      return (key ? call.set('x-api-key', key) : call).send(
        typeof body === 'string' ? body : JSON.stringify(body),
      );
    };
    const codesOf = (response: Response) =>
      (graphqlBodyOf(response).errors ?? []).map((error) => error.extensions?.code);

    it('codes syntax errors, unknown fields, the root-field and depth limits as 400 BAD_REQUEST', async () => {
      const deep = `{ __schema { types { fields { type ${'{ ofType '.repeat(30)}{ name }${' }'.repeat(30)} } } } }`;
      const roots = `{ ${Array.from({ length: 21 }, (_, i) => `a${i}: me { name }`).join(' ')} }`;
      const cases = [
        { query: '{', message: /Syntax Error/ },
        { query: '{ me { nope } }', message: /Cannot query field "nope"/ },
        { query: roots, message: /at most 20 root fields/ },
        {
          query: deep,
          message: /introspection depth \(35\) exceeds the introspection depth limit of 30/,
        },
      ];
      for (const { query, message } of cases) {
        const response = await graphql({ query });
        expect({ query, status: response.status }).toEqual({ query, status: 400 });
        const [error] = graphqlBodyOf(response).errors ?? [];
        expect(error?.message).toMatch(message);
        expect(error?.extensions).toEqual({
          code: 'BAD_REQUEST',
          statusCode: 400,
          requestId: response.headers['x-request-id'],
        });
      }
    });

    it('codes bad JSON, a body too large and an unsupported variables value', async () => {
      const badJson = await graphql('{"query": "{ me { name } }"');
      expect(badJson.status).toBe(400);
      expect(codesOf(badJson)).toEqual(['BAD_REQUEST']);

      const tooLarge = await graphql({
        query: '{ me { name } }',
        variables: { pad: 'x'.repeat(1024 * 1024) },
      });
      expect(tooLarge.status).toBe(413);
      expect(codesOf(tooLarge)).toEqual(['PAYLOAD_TOO_LARGE']);
      expect(graphqlBodyOf(tooLarge).errors?.[0]?.message).toBe(
        'body is larger than the accepted limit',
      );

      const badVariable = await graphql({
        query: 'query($id: ID!) { job(id: $id) { id } }',
        variables: { id: { nested: 1 } },
      });
      expect(codesOf(badVariable)).toEqual(['BAD_REQUEST']);
    });

    it('codes the errors of resolvers as before', async () => {
      const anonymous = await graphql({ query: '{ me { name } }' }, null);
      expect(anonymous.status).toBe(200);
      expect(codesOf(anonymous)).toEqual(['UNAUTHENTICATED']);
    });

    it('codes the rate limit as 429 RATE_LIMITED with Retry-After', async () => {
      const limited = await startTestApp({
        env: {
          RATE_LIMIT_ANONYMOUS_MAX: '1',
          RATE_LIMIT_WINDOW_MS: '60000',
          REDIS_PREFIX: `hardening_rl_${Date.now()}`,
        },
      });
      try {
        const call = () => request(limited.url).post('/graphql').send({ query: '{ me { name } }' });
        expect((await call()).status).toBe(200);
        const refused = await call();
        expect(refused.status).toBe(429);
        expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
        const [error] = graphqlBodyOf(refused).errors ?? [];
        expect(error?.message).toMatch(/Rate limit of 1 requests per 60 s exceeded/);
        expect(error?.extensions).toEqual({
          code: 'RATE_LIMITED',
          statusCode: 429,
          requestId: refused.headers['x-request-id'],
        });
      } finally {
        await limited.close();
      }
    });
  });
});
