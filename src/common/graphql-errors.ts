import { Logger } from '@nestjs/common';
import {
  GraphQLError,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
} from 'graphql';
import type { MercuriusContext } from 'mercurius';
import { AppException, ERROR_CODES } from './app.exception';
import { mapError } from './error-response';

const logger = new Logger('GraphQLErrors');

/** Mercurius wraps syntax, validation and depth errors in one error that lists them. */
function wrappedErrors(error: GraphQLError): unknown[] | undefined {
  const original = error.originalError as { errors?: unknown } | undefined;
  return Array.isArray(original?.errors) ? (original.errors as unknown[]) : undefined;
}

function hasCode(error: GraphQLError): boolean {
  return typeof error.extensions.code === 'string';
}

/** Syntax, validation and limit errors, and graphql-js's own input errors: a bad request. */
function badRequest(error: { message: string } & Partial<GraphQLError>, requestId?: string) {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: {
      code: 'BAD_REQUEST',
      statusCode: ERROR_CODES.BAD_REQUEST,
      ...(requestId ? { requestId } : {}),
    },
  }).toJSON();
}

/**
 * One error carried by a GraphQL answer, with the `extensions.code` the REST answer would have.
 * Errors from resolvers come coded by the global filter; errors raised before the operation runs
 * (rate limit, body too large or nested too deep, bad JSON) are mapped here as REST maps them.
 */
function formatOne(error: GraphQLError, requestId?: string): GraphQLFormattedError[] {
  const wrapped = wrappedErrors(error);
  if (wrapped) {
    return wrapped.map((inner) =>
      badRequest(inner instanceof Error ? inner : { message: String(inner) }, requestId),
    );
  }
  if (hasCode(error)) {
    return [error.toJSON()];
  }
  const original = error.originalError;
  if (!original || original instanceof GraphQLError) {
    return [badRequest(error, requestId)];
  }
  const { body, unexpected } = mapError(original, requestId);
  if (unexpected) {
    logger.error(
      { err: original, requestId },
      `GraphQL request ${requestId ?? '(no id)'} failed with an unexpected error`,
    );
  }
  return [
    new GraphQLError(body.message, {
      nodes: error.nodes,
      source: error.source,
      positions: error.positions,
      path: error.path,
      extensions: {
        code: body.code,
        statusCode: body.statusCode,
        ...(body.details === undefined ? {} : { details: body.details }),
        ...(requestId ? { requestId } : {}),
      },
    }).toJSON(),
  ];
}

/**
 * 200 once the operation ran (its errors are in the body, as graphql-over-http says); a request
 * refused before it ran answers the REST status of the error that refused it.
 */
function statusOf(execution: ExecutionResult & { statusCode?: unknown }): number {
  const [only, ...others] = execution.errors ?? [];
  if (execution.data || !only || others.length > 0) {
    return 200;
  }
  if (typeof execution.statusCode === 'number') {
    return execution.statusCode;
  }
  const original = only.originalError;
  if (!original || original instanceof GraphQLError) {
    return 200;
  }
  const status = (original as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number') {
    return status;
  }
  return original instanceof AppException ? original.status : 200;
}

/**
 * Mercurius's error formatter: every GraphQL error carries the `extensions.code` (and
 * `statusCode`, `requestId`) of the REST answer, whether it came from a resolver, the validation
 * rules and limits, or the hooks and body parser before the operation (rate limit, body too
 * large or nested too deep).
 */
export function formatGraphQLErrors<TContext extends MercuriusContext = MercuriusContext>(
  execution: ExecutionResult & Required<Pick<ExecutionResult, 'errors'>>,
  context: TContext,
): { statusCode: number; response: FormattedExecutionResult } {
  const requestId = (context as Partial<MercuriusContext>).reply?.request.id;
  return {
    statusCode: statusOf(execution),
    response: {
      data: execution.data ?? null,
      errors: execution.errors.flatMap((error) => formatOne(error, requestId)),
    },
  };
}
