import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { MercuriusContext } from 'mercurius';
import { AuthException } from '../auth/auth.exception';
import { selectsIntrospection } from '../common/graphql-limits';

const FAILURE_MESSAGES = {
  missing:
    'Introspection needs an API key unless PUBLIC_READ is on: send it as `x-api-key: <key>` or `Authorization: Bearer <key>`',
  unknown: 'Unknown API key',
  revoked: 'This API key has been revoked',
} as const;

/**
 * Mercurius `preExecution` hook: introspection (`__schema`, `__type`) is read like public market
 * data, by anyone under PUBLIC_READ and else by any valid key. It resolves no field of ours, so the
 * access guard never sees it; without this a private service would describe itself to anyone.
 * The refusal is the REST answer: 401 UNAUTHENTICATED.
 */
export function introspectionAccess(
  publicRead: boolean,
): (schema: GraphQLSchema, document: DocumentNode, context: MercuriusContext) => void {
  return (_schema, document, context) => {
    if (publicRead || !selectsIntrospection(document)) {
      return;
    }
    const request = context.reply.request;
    if (!request.principal) {
      throw new AuthException(
        'UNAUTHENTICATED',
        FAILURE_MESSAGES[request.authFailure ?? 'missing'],
      );
    }
  };
}
