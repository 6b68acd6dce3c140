import {
  GraphQLError,
  Kind,
  specifiedRules,
  validate,
  type ASTVisitor,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

/** Deepest selection a data query may make (the schema's own nesting is at most four levels). */
export const MAX_QUERY_DEPTH = 8;
/**
 * Deepest selection under `__schema` / `__type`. The standard introspection query
 * (`getIntrospectionQuery()`, `typeDepth` 9) reaches 14: its `ofType` chains only cost a null each
 * past a type's real wrapping. What makes introspection expensive, lists of types nested in lists
 * of types, is refused by graphql-js's own MaxIntrospectionDepthRule (one of `specifiedRules`).
 */
export const MAX_INTROSPECTION_DEPTH = 30;
/** Root fields one operation may select, aliases and fragments included. */
const MAX_ROOT_FIELDS = 20;

/** The introspection entry points (only valid on the query root); `__typename` is ordinary data. */
const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

type FragmentLookup = (name: string) => FragmentDefinitionNode | null | undefined;

/**
 * The root fields an operation selects, through fragments and inline fragments at the root (a
 * fragment spread twice is counted once).
 */
function rootFieldsOf(selectionSet: SelectionSetNode, fragment: FragmentLookup): FieldNode[] {
  const seen = new Set<string>();
  const collect = (set: SelectionSetNode): FieldNode[] =>
    set.selections.flatMap((selection) => {
      if (selection.kind === Kind.FIELD) {
        return [selection];
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        return collect(selection.selectionSet);
      }
      const name = selection.name.value;
      const definition = fragment(name);
      if (!definition || seen.has(name)) {
        return [];
      }
      seen.add(name);
      return collect(definition.selectionSet);
    });
  return collect(selectionSet);
}

/** Whether a root field is `__schema` or `__type` (by field name, so an alias changes nothing). */
function isIntrospectionField(field: FieldNode): boolean {
  return INTROSPECTION_FIELDS.has(field.name.value);
}

/**
 * Refuses an operation that selects more than MAX_ROOT_FIELDS root fields: aliases let one HTTP
 * request (counted once by the rate limit) ask for the same expensive field thousands of times.
 * Fragments at the root are counted by what they select.
 */
export function rootFieldLimit(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      const fields = rootFieldsOf(node.selectionSet, (name) => context.getFragment(name)).length;
      if (fields > MAX_ROOT_FIELDS) {
        context.reportError(
          new GraphQLError(
            `An operation may select at most ${MAX_ROOT_FIELDS} root fields (aliases included); this one selects ${fields}`,
            { nodes: [node] },
          ),
        );
      }
    },
  };
}

/**
 * Limits how deep an operation selects, counting data and introspection apart: each root field
 * is measured on its own, `__schema` / `__type` against MAX_INTROSPECTION_DEPTH and every other
 * root field against MAX_QUERY_DEPTH, so the standard introspection query of GraphQL tools passes
 * while adding `__schema` to a data query lifts no limit from its data fields. Fields add a level,
 * fragments (spread or inline) do not. A validation rule, so the depth is refused with the other
 * validation errors, before anything runs.
 */
export function queryDepthLimit(context: ValidationContext): ASTVisitor {
  const fragmentDepths = new Map<string, number>();
  const depthOf = (selectionSet: SelectionSetNode | undefined, visiting: Set<string>): number => {
    let deepest = 0;
    for (const selection of selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD) {
        deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, visiting));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        deepest = Math.max(deepest, depthOf(selection.selectionSet, visiting));
      } else {
        const name = selection.name.value;
        // A fragment cycle is reported by NoFragmentCyclesRule; here it only must not loop.
        if (visiting.has(name)) {
          continue;
        }
        let depth = fragmentDepths.get(name);
        if (depth === undefined) {
          visiting.add(name);
          depth = depthOf(context.getFragment(name)?.selectionSet, visiting);
          visiting.delete(name);
          fragmentDepths.set(name, depth);
        }
        deepest = Math.max(deepest, depth);
      }
    }
    return deepest;
  };
  return {
    OperationDefinition(node) {
      let data = 0;
      let introspection = 0;
      for (const field of rootFieldsOf(node.selectionSet, (name) => context.getFragment(name))) {
        const depth = 1 + depthOf(field.selectionSet, new Set());
        if (isIntrospectionField(field)) {
          introspection = Math.max(introspection, depth);
        } else {
          data = Math.max(data, depth);
        }
      }
      const name = node.name?.value ?? 'unnamedQuery';
      if (data > MAX_QUERY_DEPTH) {
        context.reportError(
          new GraphQLError(
            `${name} query depth (${data}) exceeds the query depth limit of ${MAX_QUERY_DEPTH}`,
            { nodes: [node] },
          ),
        );
      }
      if (introspection > MAX_INTROSPECTION_DEPTH) {
        context.reportError(
          new GraphQLError(
            `${name} introspection depth (${introspection}) exceeds the introspection depth limit of ${MAX_INTROSPECTION_DEPTH}`,
            { nodes: [node] },
          ),
        );
      }
    },
  };
}

/** With GRAPHQL_INTROSPECTION=false: `__schema` and `__type` are refused (`__typename` stays). */
export function introspectionDisabled(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      if (isIntrospectionField(node)) {
        context.reportError(
          new GraphQLError(
            `GraphQL introspection is turned off on this server (GRAPHQL_INTROSPECTION=false): ${node.name.value} cannot be queried`,
            { nodes: [node] },
          ),
        );
      }
    },
  };
}

/** Whether any query of `document` selects `__schema` or `__type` at its root. */
export function selectsIntrospection(document: DocumentNode): boolean {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    } else if (definition.kind === Kind.OPERATION_DEFINITION) {
      operations.push(definition);
    }
  }
  return operations.some((operation) =>
    rootFieldsOf(operation.selectionSet, (name) => fragments.get(name)).some(isIntrospectionField),
  );
}

/**
 * Mercurius validates queries and mutations (with `validationRules`) but hands subscription
 * documents to `subscribe` as they come: this `preSubscriptionExecution` hook holds them to the same
 * rules and limits. Its error reaches the client as the `error` message of that subscription.
 */
export function validateSubscription(schema: GraphQLSchema, document: DocumentNode): void {
  const [first, ...others] = validate(schema, document, [
    ...specifiedRules,
    rootFieldLimit,
    queryDepthLimit,
  ]);
  if (first) {
    throw new GraphQLError(
      others.length === 0
        ? first.message
        : `${first.message} (and ${others.length} more: ${others.map((error) => error.message).join('; ')})`,
      { nodes: first.nodes, extensions: { code: 'BAD_REQUEST', statusCode: 400 } },
    );
  }
}
