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
import { graphql } from './support/graphql';
import { openAndClosedApps, QUIET } from './support/graphql-apps';
import { startTestApp } from './support/test-app';

/** Every introspection option graphql-js has, on (the richest query a tool can send). */
const ALL_OPTIONS: IntrospectionOptions = {
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
};

const COMMITTED_SCHEMA = readFileSync(join(__dirname, '..', 'schema.gql'), 'utf8');
const printSorted = (schema: GraphQLSchema) => printSchema(lexicographicSortSchema(schema));

describe('GraphQL introspection, as the tools send it', () => {
  const apps = openAndClosedApps();

  it('answers the standard introspection query, with every option, with and without a key under PUBLIC_READ', async () => {
    for (const options of [undefined, ALL_OPTIONS]) {
      for (const key of [undefined, apps.open.adminKey]) {
        const response = await graphql(
          apps.open.url,
          { query: getIntrospectionQuery(options), operationName: 'IntrospectionQuery' },
          { key: key },
        );
        expect({
          options,
          key,
          status: response.status,
          errors: response.body.errors,
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
    const response = await graphql<IntrospectionQuery>(apps.open.url, {
      query: getIntrospectionQuery(ALL_OPTIONS),
    });
    expect(response.status).toBe(200);
    const introspected = buildClientSchema(response.body.data!);
    expect(printSorted(introspected)).toBe(printSorted(buildSchema(COMMITTED_SCHEMA)));
  });

  it('lets GraphQL Code Generator’s URL loader load the schema, in production too', async () => {
    // @graphql-tools/url-loader is what `graphql-codegen` runs for `schema: http://…/graphql`.
    const [source] = await new UrlLoader().load(`${apps.closed.url}/graphql`, {
      headers: { 'x-api-key': apps.closed.adminKey },
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
      const response = await graphql(apps.open.url, {
        query: getIntrospectionQuery({ typeDepth }),
      });
      expect({ typeDepth, status: response.status }).toEqual({ typeDepth, status: 200 });
      expect(response.body.data?.__schema).toBeDefined();
    }
  });

  it('asks for a key where reads are not public: 401 without one, 200 with one', async () => {
    const anonymous = await graphql(apps.closed.url, { query: getIntrospectionQuery() });
    expect(anonymous.status).toBe(401);
    const [error] = anonymous.body.errors ?? [];
    expect(error?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', statusCode: 401 });
    expect(error?.message).toMatch(/Introspection needs an API key/);
    const wrongKey = await graphql(
      apps.closed.url,
      { query: '{ __type(name: "Query") { name } }' },
      { key: 'cft_not-a-key' },
    );
    expect(wrongKey.status).toBe(401);
    expect(wrongKey.body.errors?.[0]?.message).toBe('Unknown API key');

    const withKey = await graphql(
      apps.closed.url,
      { query: getIntrospectionQuery() },
      { key: apps.closed.adminKey },
    );
    expect(withKey.status).toBe(200);
    expect(withKey.body.data?.__schema).toBeDefined();
    // `__typename` is not introspection: it stays an ordinary field.
    const typename = await graphql(apps.closed.url, { query: '{ __typename }' });
    expect(typename.body).toEqual({ data: { __typename: 'Query' } });
  });

  it('still limits data queries: adding __schema lifts no limit from the data part', async () => {
    const deepData = `candles(symbol: "BTC") { items ${'{ a '.repeat(9)}{ b }${' }'.repeat(9)} }`;
    for (const query of [
      `{ ${deepData} }`,
      `{ __schema { queryType { name } } ${deepData} }`,
      `query Mixed { ...Both } fragment Both on Query { __schema { types { name } } ${deepData} }`,
    ]) {
      const response = await graphql(apps.open.url, { query }, { key: apps.open.adminKey });
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      const messages = (response.body.errors ?? []).map((e) => e.message);
      expect(messages).toContainEqual(
        expect.stringMatching(/query depth \(12\) exceeds the query depth limit of 8/),
      );
    }
    // And introspection has its own, wider limit: ofType chains deeper than any tool sends.
    const deepIntrospection = `{ __schema { types { fields { type ${'{ ofType '.repeat(30)}{ name }${' }'.repeat(30)} } } } }`;
    const refused = await graphql(apps.open.url, { query: deepIntrospection });
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0]).toMatchObject({
      message: 'unnamedQuery introspection depth (35) exceeds the introspection depth limit of 30',
      extensions: { code: 'BAD_REQUEST', statusCode: 400 },
    });
    // Lists of types inside lists of types stay refused by graphql-js's own rule.
    const nestedLists = await graphql(apps.open.url, {
      query:
        '{ __schema { types { fields { type { fields { type { fields { type { fields { name } } } } } } } } } }',
    });
    expect(nestedLists.status).toBe(400);
    expect(nestedLists.body.errors?.[0]?.message).toMatch(/Maximum introspection depth exceeded/);
    // A data query within the limits runs as before.
    const markets = await graphql(apps.open.url, { query: '{ markets { symbol } }' });
    expect(markets.status).toBe(200);
    expect(markets.body).toEqual({ data: { markets: expect.any(Array) as unknown[] } });
  });

  it('turns introspection off with GRAPHQL_INTROSPECTION=false: 400 BAD_REQUEST, __typename still answered', async () => {
    const off = await startTestApp({
      env: { ...QUIET, PUBLIC_READ: 'true', GRAPHQL_INTROSPECTION: 'false' },
    });
    try {
      for (const query of [getIntrospectionQuery(), '{ __type(name: "Query") { name } }']) {
        const response = await graphql(off.url, { query }, { key: off.adminKey });
        expect(response.status).toBe(400);
        const [error] = response.body.errors ?? [];
        expect(error?.message).toMatch(
          /GraphQL introspection is turned off on this server \(GRAPHQL_INTROSPECTION=false\)/,
        );
        expect(error?.extensions).toMatchObject({ code: 'BAD_REQUEST', statusCode: 400 });
      }
      const typename = await graphql(off.url, { query: '{ __typename markets { symbol } }' });
      expect(typename.status).toBe(200);
      expect(typename.body.data?.__typename).toBe('Query');
    } finally {
      await off.close();
    }
  });
});
