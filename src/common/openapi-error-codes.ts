import type { OperationObject } from '@nestjs/swagger';
import type { AccessLevel } from '../auth/access.decorator';
import type { ErrorCode } from './app.exception';
import { isExemptFromLimits } from './exempt-paths';
import { MAX_JSON_DEPTH } from './json-body';

/**
 * Which error codes each operation of the OpenAPI document can answer with, and why: what each code
 * means, the codes an operation's service throws beyond those its route implies, and the codes
 * derived from the route (access level, parameters, body, method).
 */

/** What each code means to a client; a code without a sentence here does not compile. */
const CODE_MEANINGS = {
  VALIDATION_FAILED:
    'a path, query, header or body field is invalid; `details` names each field and why',
  BAD_REQUEST: `the request is malformed: a body that is not JSON, or one nested deeper than ${MAX_JSON_DEPTH} levels`,
  UNAUTHENTICATED: 'no API key was sent, or it is unknown or revoked',
  FORBIDDEN: "the key's role may not call this operation",
  NOT_FOUND: 'what the request names does not exist',
  METHOD_NOT_ALLOWED: 'the path does not take this method',
  CONFLICT: 'the request conflicts with the current state',
  UNPROCESSABLE: 'this Idempotency-Key was already used for another request',
  PAYLOAD_TOO_LARGE: 'the body is larger than 1 MiB',
  UNSUPPORTED_MEDIA_TYPE: 'a non-empty body was sent with a content type other than JSON',
  RATE_LIMITED: 'the rate limit of the key (or of the address, without a key) is used up',
  INTERNAL: 'an unexpected error; quote `requestId` when reporting it',
  SERVICE_UNAVAILABLE:
    'a dependency is unavailable (API keys cannot be checked while the database is down)',
  OVERLOADED: 'the server is shedding load; retry after `Retry-After` seconds',
  REQUEST_TIMEOUT: 'the request headers did not arrive in time',
  HEADERS_TOO_LARGE: 'the request line and headers exceed 16 KB',
} as const satisfies Record<ErrorCode, string>;

/**
 * Codes an operation's service throws beyond those its route implies (access level, parameters,
 * body, POST), with when. Keyed by operation id; an id that names no operation fails the build
 * of the document, and the e2e tests fail on any error response an operation does not document.
 */
export const OPERATION_ERRORS: Record<string, Partial<Record<ErrorCode, string>>> = {
  ApiKeys_create: { CONFLICT: 'an active key already has this name (`details` names the field)' },
  Health_readiness: {
    SERVICE_UNAVAILABLE:
      'PostgreSQL, Redis or the migrations are not ready, or the process is shutting down; the message names what, `details` holds every check',
  },
  Candles_backfill: { NOT_FOUND: 'the symbol is not configured' },
  Models_predict: {
    SERVICE_UNAVAILABLE:
      'no forecast can be served yet: no production model for this market, or none computed since it was promoted; the message says why (training progress, not enough candles)',
  },
  Models_train: { NOT_FOUND: 'the symbol is not configured' },
  Models_cancel: { CONFLICT: 'the training job has already completed or failed' },
  Models_promote: { CONFLICT: 'only candidate and retired versions can be promoted' },
  Models_retire: { CONFLICT: 'only candidate and production versions can be retired' },
  ModelSearches_start: {
    NOT_FOUND: 'the symbol is not configured',
    CONFLICT: 'the market has too few candles for these trials',
  },
  PaperAccounts_create: {
    NOT_FOUND: 'a market is not configured',
    CONFLICT: 'an account with this name exists with other terms',
  },
  PaperAccounts_update: { CONFLICT: 'the account is closed' },
  Strategies_runBacktest: { NOT_FOUND: 'the symbol or strategy does not exist' },
  Strategies_evaluate: {
    SERVICE_UNAVAILABLE: 'no candles are stored for the market yet',
  },
  Strategies_create: {
    NOT_FOUND: 'the symbol is not configured',
    CONFLICT: 'a strategy with this name exists; PUT /admin/strategies/{id} makes a new version',
  },
  Webhooks_create: {
    CONFLICT: 'the key already has WEBHOOK_MAX_PER_KEY subscriptions',
  },
  Webhooks_rotateSecret: { CONFLICT: 'another request rotated the secret just now' },
  Webhooks_replay: {
    CONFLICT: 'the message is still being delivered, or the subscription is disabled',
  },
};

/** The methods an OpenAPI path item holds operations under. */
export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
type HttpMethod = (typeof HTTP_METHODS)[number];

/** Methods whose request body Fastify parses (so a body sent can be refused). */
const BODY_METHODS: readonly HttpMethod[] = ['put', 'post', 'delete', 'patch'];

/** What of an operation decides its error codes. */
export interface OperationTraits {
  path: string;
  method: HttpMethod;
  operation: OperationObject;
  access: AccessLevel;
}

/** Why an operation answers with a code. */
export interface Reason {
  when: string;
  /** True when the sentence is this operation's own (from OPERATION_ERRORS), not the code's. */
  specific: boolean;
}

/** Every code an operation can answer with, and why, derived from its route and the tables above. */
export function codesOf(traits: OperationTraits): Map<ErrorCode, Reason> {
  const { path, method, operation, access } = traits;
  const codes = new Map<ErrorCode, Reason>();
  const add = (code: ErrorCode, when: string = CODE_MEANINGS[code]) =>
    codes.set(code, { when, specific: false });
  const parameters = (operation.parameters ?? []) as { in?: string }[];
  const takesBody = BODY_METHODS.includes(method);
  if (parameters.length > 0 || operation.requestBody || takesBody) {
    add('VALIDATION_FAILED');
    add('BAD_REQUEST');
  }
  if (access !== 'public') {
    add('UNAUTHENTICATED');
  }
  if (access === 'admin') {
    add('FORBIDDEN', 'the key is not an admin key');
  }
  if (parameters.some((parameter) => parameter.in === 'path')) {
    add('NOT_FOUND');
  }
  if (method === 'post') {
    add('CONFLICT', 'a request with this Idempotency-Key is still running; retry shortly');
    add('UNPROCESSABLE');
  }
  if (takesBody) {
    add('PAYLOAD_TOO_LARGE');
    add('UNSUPPORTED_MEDIA_TYPE');
  }
  // Probes and the dashboard's files are neither counted nor shed.
  if (!isExemptFromLimits(path.replace(/\{[^}]+\}/g, 'x'))) {
    add('RATE_LIMITED');
    add('OVERLOADED');
  }
  add('INTERNAL');
  add('SERVICE_UNAVAILABLE');
  for (const [code, when] of Object.entries(OPERATION_ERRORS[operation.operationId ?? ''] ?? {})) {
    const earlier = codes.get(code as ErrorCode);
    codes.set(code as ErrorCode, {
      when: earlier ? `${when}; or ${earlier.when}` : when,
      specific: true,
    });
  }
  return codes;
}
