import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

/** Deepest selection a query may make (the schema's own nesting is at most four levels). */
export const MAX_QUERY_DEPTH = 8;
/** Root fields one operation may select, aliases and fragments included. */
export const MAX_ROOT_FIELDS = 20;

/**
 * Refuses an operation that selects more than MAX_ROOT_FIELDS root fields: aliases let one HTTP
 * request (counted once by the rate limit) ask for the same expensive field thousands of times.
 * Fragments at the root are counted by what they select.
 */
export function rootFieldLimit(context: ValidationContext): ASTVisitor {
  const count = (selectionSet: SelectionSetNode, seen: Set<string>): number =>
    selectionSet.selections.reduce((total, selection) => {
      if (selection.kind === Kind.FIELD) {
        return total + 1;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        return total + count(selection.selectionSet, seen);
      }
      const name = selection.name.value;
      const fragment = context.getFragment(name);
      if (!fragment || seen.has(name)) {
        return total;
      }
      seen.add(name);
      return total + count(fragment.selectionSet, seen);
    }, 0);
  return {
    OperationDefinition(node) {
      const fields = count(node.selectionSet, new Set());
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
