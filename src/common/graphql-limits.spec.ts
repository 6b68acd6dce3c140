import { buildSchema, getIntrospectionQuery, parse, specifiedRules, validate } from 'graphql';
import {
  MAX_INTROSPECTION_DEPTH,
  MAX_QUERY_DEPTH,
  introspectionDisabled,
  queryDepthLimit,
  rootFieldLimit,
  selectsIntrospection,
} from './graphql-limits';

// A schema with a cycle, so data queries can be made as deep as a test likes.
const schema = buildSchema(`
  type Node { id: ID! next: Node }
  type Query { node: Node nodes: [Node!]! }
`);

const nested = (levels: number) => `${'next { '.repeat(levels)}id${' }'.repeat(levels)}`;
const messagesOf = (query: string, rules = [queryDepthLimit]) =>
  validate(schema, parse(query), [...specifiedRules, ...rules]).map((error) => error.message);

describe('queryDepthLimit', () => {
  it('lets data queries reach MAX_QUERY_DEPTH and refuses one level more', () => {
    // node (1) + next × levels + id (1)
    expect(messagesOf(`{ node { ${nested(MAX_QUERY_DEPTH - 2)} } }`)).toEqual([]);
    expect(messagesOf(`{ node { ${nested(MAX_QUERY_DEPTH - 1)} } }`)).toEqual([
      `unnamedQuery query depth (${MAX_QUERY_DEPTH + 1}) exceeds the query depth limit of ${MAX_QUERY_DEPTH}`,
    ]);
  });

  it('passes the standard introspection query with every option, and typeDepth up to 20', () => {
    expect(messagesOf(getIntrospectionQuery())).toEqual([]);
    expect(
      messagesOf(
        getIntrospectionQuery({
          descriptions: true,
          specifiedByUrl: true,
          directiveIsRepeatable: true,
          schemaDescription: true,
          inputValueDeprecation: true,
          oneOf: true,
          typeDepth: 20,
        }),
      ),
    ).toEqual([]);
  });

  it('still limits the data part of a query that also introspects, however it is written', () => {
    const tooDeep = `node { ${nested(MAX_QUERY_DEPTH)} }`;
    const expected = `query depth (${MAX_QUERY_DEPTH + 2}) exceeds the query depth limit of ${MAX_QUERY_DEPTH}`;
    for (const query of [
      `{ __schema { queryType { name } } ${tooDeep} }`,
      `{ schema: __schema { types { name } } __type(name: "Node") { name } ${tooDeep} }`,
      `{ ... on Query { __schema { queryType { name } } ${tooDeep} } }`,
      `query Mixed { ...Both } fragment Both on Query { __schema { queryType { name } } ${tooDeep} }`,
      // An alias named like an introspection field is still data.
      `{ __schema { queryType { name } } __type: ${tooDeep} }`,
    ]) {
      expect(messagesOf(query).join('\n')).toContain(expected);
    }
  });

  it('counts fields, not fragments, and survives fragment cycles', () => {
    const query = `{ node { ...A } } fragment A on Node { next { ...B } } fragment B on Node { ... on Node { next { id } } }`;
    expect(messagesOf(query)).toEqual([]);
    const cyclic = `{ node { ...A } } fragment A on Node { next { ...A } }`;
    expect(messagesOf(cyclic)).toEqual(['Cannot spread fragment "A" within itself.']);
  });

  it('limits introspection on its own, wider bound', () => {
    const ofTypes = (levels: number) =>
      `{ __schema { types { fields { type ${'{ ofType '.repeat(levels)}{ name }${' }'.repeat(levels)} } } } }`;
    // __schema types fields type (4) + ofType × levels + name (1)
    expect(messagesOf(ofTypes(MAX_INTROSPECTION_DEPTH - 5))).toEqual([]);
    expect(messagesOf(ofTypes(MAX_INTROSPECTION_DEPTH - 4))).toEqual([
      `unnamedQuery introspection depth (${MAX_INTROSPECTION_DEPTH + 1}) exceeds the introspection depth limit of ${MAX_INTROSPECTION_DEPTH}`,
    ]);
  });
});

describe('rootFieldLimit', () => {
  it('counts aliases and fields selected through root fragments', () => {
    const fields = (count: number) =>
      Array.from({ length: count }, (_, i) => `a${i}: node { id }`).join(' ');
    expect(messagesOf(`{ ${fields(20)} }`, [rootFieldLimit])).toEqual([]);
    expect(messagesOf(`{ ...F } fragment F on Query { ${fields(21)} }`, [rootFieldLimit])).toEqual([
      'An operation may select at most 20 root fields (aliases included); this one selects 21',
    ]);
  });
});

describe('introspectionDisabled and selectsIntrospection', () => {
  it('refuses __schema and __type but not __typename', () => {
    expect(messagesOf('{ __typename node { __typename id } }', [introspectionDisabled])).toEqual(
      [],
    );
    expect(
      messagesOf('{ __schema { queryType { name } } __type(name: "Node") { name } }', [
        introspectionDisabled,
      ]),
    ).toEqual([
      'GraphQL introspection is turned off on this server (GRAPHQL_INTROSPECTION=false): __schema cannot be queried',
      'GraphQL introspection is turned off on this server (GRAPHQL_INTROSPECTION=false): __type cannot be queried',
    ]);
  });

  it('finds introspection at the root, through fragments and aliases', () => {
    expect(selectsIntrospection(parse('{ __typename node { id } }'))).toBe(false);
    expect(selectsIntrospection(parse(getIntrospectionQuery()))).toBe(true);
    expect(selectsIntrospection(parse('{ s: __type(name: "Node") { name } }'))).toBe(true);
    expect(
      selectsIntrospection(
        parse('{ ...F } fragment F on Query { __schema { queryType { name } } }'),
      ),
    ).toBe(true);
  });
});
