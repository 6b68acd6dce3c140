import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UrlLoader } from '@graphql-tools/url-loader';
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  lexicographicSortSchema,
  printSchema,
  type GraphQLSchema,
  type IntrospectionOptions,
  type IntrospectionQuery,
} from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import type { Browser, Request } from 'playwright-core';
import request from 'supertest';
import WebSocket from 'ws';
import { launchChromium, collectPageErrors } from './support/chromium';
import { asClientClose, type ClientClose } from './support/graphql-ws';
import { startTestApp, type TestApp } from './support/test-app';

interface GraphQLBody {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** Every introspection option graphql-js has, on (the richest query a tool can send). */
const ALL_OPTIONS: IntrospectionOptions = {
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
};

/** Three apps, Chromium and other suites share two cores: no load shedding in these tests. */
const QUIET = { OVERLOAD_EVENT_LOOP_DELAY_MS: '0' };

const COMMITTED_SCHEMA = readFileSync(join(__dirname, '..', 'schema.gql'), 'utf8');
const printSorted = (schema: GraphQLSchema) => printSchema(lexicographicSortSchema(schema));

function graphql(url: string, body: object, key?: string) {
  const call = request(url).post('/graphql').set('content-type', 'application/json');
  return (key ? call.set('x-api-key', key) : call).send(JSON.stringify(body));
}

describe('GraphQL tools: introspection, GraphiQL offline, graphql-transport-ws close codes', () => {
  /** PUBLIC_READ, in development: GraphiQL served. */
  let open: TestApp;
  /** Reads need a key; production (GraphiQL off by default, introspection on). */
  let closed: TestApp;

  beforeAll(async () => {
    open = await startTestApp({ env: { ...QUIET, PUBLIC_READ: 'true', NODE_ENV: 'development' } });
    closed = await startTestApp({
      env: {
        ...QUIET,
        NODE_ENV: 'production',
        SECRET_KEY: 'graphql-tools-test-secret-key-0123456789',
      },
    });
  }, 60_000);
  afterAll(async () => {
    await open?.close();
    await closed?.close();
  });

  describe('introspection', () => {
    it('answers the standard introspection query, with every option, with and without a key under PUBLIC_READ', async () => {
      for (const options of [undefined, ALL_OPTIONS]) {
        for (const key of [undefined, open.adminKey]) {
          const response = await graphql(
            open.url,
            { query: getIntrospectionQuery(options), operationName: 'IntrospectionQuery' },
            key,
          );
          expect({
            options,
            key,
            status: response.status,
            errors: (response.body as GraphQLBody).errors,
          }).toEqual({
            options,
            key,
            status: 200,
            errors: undefined,
          });
        }
      }
    });

    it('prints the committed schema.gql from what introspection answers', async () => {
      const response = await graphql(open.url, { query: getIntrospectionQuery(ALL_OPTIONS) });
      expect(response.status).toBe(200);
      const introspected = buildClientSchema((response.body as { data: IntrospectionQuery }).data);
      expect(printSorted(introspected)).toBe(printSorted(buildSchema(COMMITTED_SCHEMA)));
    });

    it('lets GraphQL Code Generator’s URL loader load the schema, in production too', async () => {
      // @graphql-tools/url-loader is what `graphql-codegen` runs for `schema: http://…/graphql`.
      const [source] = await new UrlLoader().load(`${closed.url}/graphql`, {
        headers: { 'x-api-key': closed.adminKey },
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
      });
      expect(source?.schema).toBeDefined();
      expect(printSorted(source!.schema!)).toBe(printSorted(buildSchema(COMMITTED_SCHEMA)));
    });

    it('answers the older tools’ shape (no schema description, shorter ofType chains) and deeper ones', async () => {
      for (const typeDepth of [3, 7, 9, 20]) {
        const response = await graphql(open.url, { query: getIntrospectionQuery({ typeDepth }) });
        expect({ typeDepth, status: response.status }).toEqual({ typeDepth, status: 200 });
        expect((response.body as GraphQLBody).data?.__schema).toBeDefined();
      }
    });

    it('asks for a key where reads are not public: 401 without one, 200 with one', async () => {
      const anonymous = await graphql(closed.url, { query: getIntrospectionQuery() });
      expect(anonymous.status).toBe(401);
      const [error] = (anonymous.body as GraphQLBody).errors ?? [];
      expect(error?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', statusCode: 401 });
      expect(error?.message).toMatch(/Introspection needs an API key/);
      const wrongKey = await graphql(
        closed.url,
        { query: '{ __type(name: "Query") { name } }' },
        'cft_not-a-key',
      );
      expect(wrongKey.status).toBe(401);
      expect((wrongKey.body as GraphQLBody).errors?.[0]?.message).toBe('Unknown API key');

      const withKey = await graphql(
        closed.url,
        { query: getIntrospectionQuery() },
        closed.adminKey,
      );
      expect(withKey.status).toBe(200);
      expect((withKey.body as GraphQLBody).data?.__schema).toBeDefined();
      // `__typename` is not introspection: it stays an ordinary field.
      const typename = await graphql(closed.url, { query: '{ __typename }' });
      expect(typename.body).toEqual({ data: { __typename: 'Query' } });
    });

    it('still limits data queries: adding __schema lifts no limit from the data part', async () => {
      const deepData = `candles(symbol: "BTC") { items ${'{ a '.repeat(9)}{ b }${' }'.repeat(9)} }`;
      for (const query of [
        `{ ${deepData} }`,
        `{ __schema { queryType { name } } ${deepData} }`,
        `query Mixed { ...Both } fragment Both on Query { __schema { types { name } } ${deepData} }`,
      ]) {
        const response = await graphql(open.url, { query }, open.adminKey);
        expect({ query, status: response.status }).toEqual({ query, status: 400 });
        const messages = ((response.body as GraphQLBody).errors ?? []).map((e) => e.message);
        expect(messages).toContainEqual(
          expect.stringMatching(/query depth \(12\) exceeds the query depth limit of 8/),
        );
      }
      // And introspection has its own, wider limit: ofType chains deeper than any tool sends.
      const deepIntrospection = `{ __schema { types { fields { type ${'{ ofType '.repeat(30)}{ name }${' }'.repeat(30)} } } } }`;
      const refused = await graphql(open.url, { query: deepIntrospection });
      expect(refused.status).toBe(400);
      expect((refused.body as GraphQLBody).errors?.[0]).toMatchObject({
        message:
          'unnamedQuery introspection depth (35) exceeds the introspection depth limit of 30',
        extensions: { code: 'BAD_REQUEST', statusCode: 400 },
      });
      // Lists of types inside lists of types stay refused by graphql-js's own rule.
      const nestedLists = await graphql(open.url, {
        query:
          '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }',
      });
      expect(nestedLists.status).toBe(400);
      expect((nestedLists.body as GraphQLBody).errors?.[0]?.message).toMatch(
        /Maximum introspection depth exceeded/,
      );
      // A data query within the limits runs as before.
      const markets = await graphql(open.url, { query: '{ markets { symbol } }' });
      expect(markets.status).toBe(200);
      expect(markets.body).toEqual({ data: { markets: expect.any(Array) as unknown[] } });
    });

    it('turns introspection off with GRAPHQL_INTROSPECTION=false: 400 BAD_REQUEST, __typename still answered', async () => {
      const off = await startTestApp({
        env: { ...QUIET, PUBLIC_READ: 'true', GRAPHQL_INTROSPECTION: 'false' },
      });
      try {
        for (const query of [getIntrospectionQuery(), '{ __type(name: "Query") { name } }']) {
          const response = await graphql(off.url, { query }, off.adminKey);
          expect(response.status).toBe(400);
          const [error] = (response.body as GraphQLBody).errors ?? [];
          expect(error?.message).toMatch(
            /GraphQL introspection is turned off on this server \(GRAPHQL_INTROSPECTION=false\)/,
          );
          expect(error?.extensions).toMatchObject({ code: 'BAD_REQUEST', statusCode: 400 });
        }
        const typename = await graphql(off.url, { query: '{ __typename markets { symbol } }' });
        expect(typename.status).toBe(200);
        expect((typename.body as GraphQLBody).data?.__typename).toBe('Query');
      } finally {
        await off.close();
      }
    });
  });

  describe('GraphiQL at /graphiql', () => {
    let browser: Browser;

    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('serves the page and its assets from the service (hashed, cached for good), and not in production', async () => {
      const page = await request(open.url).get('/graphiql');
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).not.toMatch(/https?:\/\//);
      const assets = [...page.text.matchAll(/(?:src|href)="(\/graphiql\/assets\/[^"]+)"/g)].map(
        (m) => m[1]!,
      );
      expect(assets.map((asset) => asset.split('/').pop())).toEqual([
        'graphiql.min.css',
        'react.production.min.js',
        'react-dom.production.min.js',
        'graphiql.min.js',
        'graphql-ws.min.js',
        'graphiql-client.js',
      ]);
      for (const asset of assets) {
        const response = await request(open.url).get(asset).set('accept-encoding', 'gzip');
        expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
        expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(response.headers['content-encoding']).toBe('gzip');
      }
      const missing = await request(open.url).get(
        '/graphiql/assets/0000000000000000/graphiql.min.js',
      );
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ code: 'NOT_FOUND' });

      expect((await request(closed.url).get('/graphiql')).status).toBe(404);
    });

    it('works in Chromium with no network beyond the service: docs list the schema, a typed query and a subscription run', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const origin = new URL(open.url).origin;
      const outside: string[] = [];
      const failed: string[] = [];
      const refused: string[] = [];
      // Everything outside the service is blocked (and recorded): the page must not need it.
      await context.route('**/*', async (route) => {
        const url = route.request().url();
        if (url.startsWith(`${origin}/`) || url.startsWith('data:')) {
          await route.continue();
        } else {
          outside.push(url);
          await route.abort('internetdisconnected');
        }
      });
      await context.addInitScript({
        content: `sessionStorage.setItem('cft.apiKey', ${JSON.stringify(open.adminKey)});`,
      });
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      page.on('requestfailed', (failure: Request) =>
        failed.push(`${failure.url()}: ${failure.failure()?.errorText}`),
      );
      page.on('response', (response) => {
        if (response.status() >= 400) {
          refused.push(`${response.status()} ${response.url()}`);
        }
      });
      try {
        await page.goto(`${open.url}/graphiql`, { waitUntil: 'networkidle' });
        await page.locator('.graphiql-container').waitFor();

        // The docs pane lists the schema the page introspected.
        await page.getByRole('button', { name: /Show Documentation Explorer/i }).click();
        const docs = page.locator('.graphiql-doc-explorer');
        await docs.getByText('Query', { exact: true }).first().click();
        await docs.getByText('prediction', { exact: true }).first().waitFor();
        await docs.getByText('candles', { exact: true }).first().waitFor();

        // A query typed into the editor runs with the key the headers editor starts with.
        await page.locator('.graphiql-query-editor .CodeMirror').click();
        await page.keyboard.press('Control+A');
        await page.keyboard.press('Delete');
        await page.keyboard.insertText('query Who { me { name role } }');
        // GraphiQL reads the operation's name from the editor a moment later (the tab says it).
        await page.locator('.graphiql-tab', { hasText: 'Who' }).waitFor();
        await page.getByRole('button', { name: /Execute query/i }).click();
        const result = page.locator('.graphiql-response');
        await result.getByText('"admin"').waitFor();
        const answer = JSON.parse(
          (await result
            .locator('.CodeMirror')
            .evaluate((el) =>
              (el as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue(),
            )) as string,
        ) as GraphQLBody;
        expect(answer).toEqual({
          data: { me: { name: expect.any(String) as string, role: 'admin' } },
        });

        await page.screenshot({
          path: join(__dirname, '..', 'docs', 'screenshots', 'graphiql.png'),
        });

        // Subscriptions go over this service's websocket, with the headers editor's key.
        const sockets: string[] = [];
        page.on('websocket', (socket) => sockets.push(socket.url()));
        await page.locator('.graphiql-query-editor .CodeMirror').click();
        await page.keyboard.press('Control+A');
        await page.keyboard.press('Delete');
        await page.keyboard.insertText(
          'subscription Live { candleClosed(symbol: "BTC", interval: "1h") { nope } }',
        );
        await page.locator('.graphiql-tab', { hasText: 'Live' }).waitFor();
        await page.getByRole('button', { name: /Execute subscription|Execute query/i }).click();
        await result
          .getByText(/^"Cannot query field \\"nope\\" on type \\"CandleClosed\\"/)
          .waitFor();
        expect(sockets).toEqual([`${origin.replace(/^http/, 'ws')}/graphql`]);

        expect({ outside, failed, refused, errors }).toEqual({
          outside: [],
          failed: [],
          refused: [],
          errors: [],
        });
      } finally {
        await context.close();
      }
    });
  });

  describe('subscriptions over graphql-transport-ws, as the graphql-ws client sees them', () => {
    const clients: Client[] = [];
    afterEach(async () => {
      await Promise.all(clients.splice(0).map((client) => client.dispose()));
    });

    /** A graphql-ws client that connects at once and reports how its socket closed. */
    function connect(url: string, connectionParams: Record<string, string>) {
      const messages: string[] = [];
      let resolveClosed: (close: ClientClose) => void = () => undefined;
      let resolveError: (close: ClientClose | undefined) => void = () => undefined;
      const closedEvent = new Promise<ClientClose>((resolve) => (resolveClosed = resolve));
      const nonLazyError = new Promise<ClientClose | undefined>(
        (resolve) => (resolveError = resolve),
      );
      const client = createClient({
        url: `${url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams,
        lazy: false,
        retryAttempts: 0,
        onNonLazyError: (error) => resolveError(asClientClose(error)),
        on: {
          closed: (event) => resolveClosed(asClientClose(event) ?? { code: -1, reason: '' }),
          message: (message) => messages.push(message.type),
        },
      });
      clients.push(client);
      return { client, messages, closed: closedEvent, nonLazyError };
    }

    it('closes with 4403 Forbidden for an unknown key, and sends no connection_error', async () => {
      const {
        closed: close,
        nonLazyError,
        messages,
      } = connect(closed.url, { 'x-api-key': 'cft_not-a-key' });
      expect(await close).toEqual({ code: 4403, reason: 'Forbidden: unknown API key' });
      expect(await nonLazyError).toEqual({ code: 4403, reason: 'Forbidden: unknown API key' });
      expect(messages).toEqual([]);
    });

    it('closes with 4401 Unauthorized when no key is given and reads are not public', async () => {
      const { closed: close, messages } = connect(closed.url, {});
      expect((await close).code).toBe(4401);
      expect(messages).toEqual([]);
      // Under PUBLIC_READ the same connection is acknowledged.
      const publicRead = connect(open.url, {});
      const acked = await new Promise<boolean>((resolve) => {
        publicRead.client.on('connected', () => resolve(true));
        void publicRead.closed.then(() => resolve(false));
      });
      expect(acked).toBe(true);
    });

    it('reports 4403 to a subscription’s error sink for a revoked key, and closes a live one with 4403', async () => {
      const created = await request(closed.url)
        .post('/admin/api-keys')
        .set('x-api-key', closed.adminKey)
        .send({ name: 'graphql-tools-revoked', role: 'client' });
      expect(created.status).toBe(201);
      const { key, apiKey } = created.body as { key: string; apiKey: { id: string } };

      const live = connect(closed.url, { 'x-api-key': key });
      const liveError = new Promise<ClientClose | undefined>((resolve) =>
        live.client.subscribe(
          { query: 'subscription { candleClosed(symbol: "BTC", interval: "1h") { symbol } }' },
          {
            next: () => undefined,
            error: (error) => resolve(asClientClose(error)),
            complete: () => resolve(undefined),
          },
        ),
      );
      await new Promise<void>((resolve) => live.client.on('connected', () => resolve()));
      // Let the server register the subscription before revoking.
      await new Promise((resolve) => setTimeout(resolve, 300));
      const revoked = await request(closed.url)
        .delete(`/admin/api-keys/${apiKey.id}`)
        .set('x-api-key', closed.adminKey);
      expect(revoked.status).toBe(200);
      expect((await live.closed).code).toBe(4403);
      expect((await liveError)?.code).toBe(4403);

      // A new, lazy connection with the revoked key: the subscription's error sink gets 4403.
      const lazy = createClient({
        url: `${closed.url.replace(/^http/, 'ws')}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${key}` },
        retryAttempts: 0,
      });
      clients.push(lazy);
      const refused = await new Promise<ClientClose | undefined>((resolve) =>
        lazy.subscribe(
          { query: 'subscription { candleClosed(symbol: "BTC", interval: "1h") { symbol } }' },
          {
            next: () => undefined,
            error: (error) => resolve(asClientClose(error)),
            complete: () => resolve(undefined),
          },
        ),
      );
      expect(refused).toEqual({ code: 4403, reason: 'Forbidden: this API key has been revoked' });
    });

    it('holds subscription documents to the validation rules and limits', async () => {
      const { client } = connect(open.url, {});
      const error = await new Promise<unknown>((resolve) =>
        client.subscribe(
          { query: 'subscription { candleClosed(symbol: "BTC", interval: "1h") { nope } }' },
          { next: () => undefined, error: resolve, complete: () => resolve(undefined) },
        ),
      );
      expect(error).toEqual([
        expect.objectContaining({
          message: 'Cannot query field "nope" on type "CandleClosed".',
          extensions: { code: 'BAD_REQUEST', statusCode: 400 },
        }),
      ]);
    });
  });

  describe('the legacy graphql-ws subprotocol keeps its own messages', () => {
    it('answers a wrong key with connection_error, then closes', async () => {
      const socket = new WebSocket(`${closed.url.replace(/^http/, 'ws')}/graphql`, 'graphql-ws');
      const messages: { type: string; payload?: unknown }[] = [];
      socket.on('message', (data: Buffer) =>
        messages.push(JSON.parse(data.toString()) as { type: string }),
      );
      const closedCode = new Promise<number>((resolve) =>
        socket.on('close', (code) => resolve(code)),
      );
      await new Promise((resolve) => socket.once('open', resolve));
      expect(socket.protocol).toBe('graphql-ws');
      socket.send(
        JSON.stringify({ type: 'connection_init', payload: { 'x-api-key': 'cft_not-a-key' } }),
      );
      const code = await closedCode;
      expect(messages).toEqual([{ type: 'connection_error', payload: { message: 'Forbidden' } }]);
      expect(code).not.toBe(4403);
    });

    it('acknowledges a valid key with connection_ack', async () => {
      const socket = new WebSocket(`${closed.url.replace(/^http/, 'ws')}/graphql`, 'graphql-ws');
      const first = new Promise<{ type: string }>((resolve) =>
        socket.once('message', (data: Buffer) =>
          resolve(JSON.parse(data.toString()) as { type: string }),
        ),
      );
      await new Promise((resolve) => socket.once('open', resolve));
      socket.send(
        JSON.stringify({ type: 'connection_init', payload: { 'x-api-key': closed.adminKey } }),
      );
      expect(await first).toEqual({ type: 'connection_ack' });
      socket.close();
    });
  });
});
