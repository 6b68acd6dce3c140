import type { INestApplication } from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import type {
  OpenAPIObject,
  OperationObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
  SecurityRequirementObject,
} from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';
import { Access, type AccessLevel } from '../auth/access.decorator';
import { ERROR_CODES, type ErrorCode } from './app.exception';
import { codesOf, HTTP_METHODS, OPERATION_ERRORS, type Reason } from './openapi-error-codes';

/** Controllers whose operation ids keep another prefix than their name, by class name. */
const OPERATION_ID_PREFIXES = new Map<string, string>();

/**
 * Gives a controller's operation ids another prefix than its class name (`Models` for
 * `PredictionsController`): the ids are the method names of the generated clients.
 */
export function OperationIdPrefix(prefix: string): ClassDecorator {
  return (controller) => {
    OPERATION_ID_PREFIXES.set(controller.name, prefix);
  };
}

/** The operation id of a controller method: `Webhooks_test` for `WebhooksController.test`. */
export function operationIdOf(controllerName: string, methodName: string): string {
  const prefix =
    OPERATION_ID_PREFIXES.get(controllerName) ?? controllerName.replace(/Controller$/, '');
  return `${prefix}_${methodName}`;
}

/** The request fields an error body may carry in `details`. */
const FIELD_PROBLEM: SchemaObject = {
  type: 'object',
  description: 'One refused input field, and why',
  properties: {
    field: {
      type: 'string',
      description: 'The field: a path or query parameter, a header, or a body field as a path',
      example: 'events[0]',
    },
    problem: { type: 'string', example: 'must be one of signal.created, webhook.test' },
  },
  required: ['field', 'problem'],
};

const checkStates = (): SchemaObject => ({
  type: 'object',
  additionalProperties: {
    type: 'object',
    properties: {
      status: { type: 'string', enum: ['up', 'down'] },
      message: { type: 'string' },
    },
    required: ['status'],
  },
});

function errorResponseSchema(): SchemaObject {
  const codes = Object.keys(ERROR_CODES) as ErrorCode[];
  return {
    type: 'object',
    description:
      'The one shape of every error. `code` is stable and machine-readable; `message` is for humans and names what to change.',
    properties: {
      statusCode: { type: 'integer', minimum: 400, maximum: 599, example: 404 },
      error: { type: 'string', description: 'The HTTP reason phrase', example: 'Not Found' },
      code: {
        type: 'string',
        enum: codes,
        description: codes.map((code) => `${code} (${ERROR_CODES[code]})`).join(', '),
      },
      message: { type: 'string', example: 'No webhook subscription 6c1d…' },
      details: {
        description:
          'VALIDATION_FAILED (and a CONFLICT on a field): every refused field and why. NOT_FOUND of an unknown symbol: the known symbols. SERVICE_UNAVAILABLE of GET /health/ready: every check and its state.',
        oneOf: [
          { type: 'array', items: { $ref: '#/components/schemas/FieldProblem' } },
          {
            type: 'object',
            properties: { knownSymbols: { type: 'array', items: { type: 'string' } } },
            required: ['knownSymbols'],
          },
          {
            type: 'object',
            properties: {
              status: { type: 'string', enum: ['error'] },
              info: checkStates(),
              error: checkStates(),
              details: checkStates(),
            },
            required: ['status', 'info', 'error', 'details'],
          },
        ],
      },
      requestId: {
        type: 'string',
        description: 'Also in the x-request-id header; the logs carry it',
      },
    },
    required: ['statusCode', 'error', 'code', 'message', 'requestId'],
  };
}

/** Each REST operation's `@Access` level, read as the access guard reads it. */
export function accessLevelsByOperation(app: INestApplication): Map<string, AccessLevel> {
  const reflector = new Reflector();
  const levels = new Map<string, AccessLevel>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | null;
      if (!controller) {
        continue;
      }
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (
          typeof handler !== 'function' ||
          Reflect.getMetadata(METHOD_METADATA, handler) === undefined
        ) {
          continue;
        }
        levels.set(
          operationIdOf(controller.name, name),
          reflector.getAllAndOverride(Access, [handler, controller]) ?? 'client',
        );
      }
    }
  }
  return levels;
}

const ACCESS_LINES: Record<AccessLevel, string> = {
  public: 'Access: anyone, no API key needed.',
  'public-read':
    'Access: anyone when the service runs with PUBLIC_READ=true (no key needed); otherwise any valid API key.',
  client: 'Access: any valid API key.',
  admin: 'Access: an admin API key.',
};

function securityFor(level: AccessLevel): SecurityRequirementObject[] {
  const keyed: SecurityRequirementObject[] = [{ apiKey: [] }, { bearer: [] }];
  switch (level) {
    case 'public':
      return [];
    case 'public-read':
      return [{}, ...keyed];
    case 'client':
    case 'admin':
      return keyed;
  }
}

function errorResponse(params: {
  status: number;
  codes: [ErrorCode, Reason][];
  earlier: ResponseObject | undefined;
}): ResponseObject {
  const { status, codes, earlier } = params;
  const lines = codes.map(([code, { when }]) => `\`${code}\`: ${when}.`);
  const response: ResponseObject & { 'x-error-codes': ErrorCode[] } = {
    description: [earlier?.description || STATUS_CODES[status], ...lines]
      .filter(Boolean)
      .join('\n\n'),
    content: {
      'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } },
    },
    // The codes of this status, for tools (the e2e contract check holds the service to them).
    'x-error-codes': codes.map(([code]) => code),
  };
  const retryAfter = (description: string, required = false) => ({
    'Retry-After': { description, required, schema: { type: 'integer', minimum: 0 } },
  });
  const has = (code: ErrorCode) => codes.some(([listed]) => listed === code);
  if (status === 429) {
    response.headers = retryAfter('Seconds until the window resets', true);
  } else if (status === 503 && has('OVERLOADED')) {
    response.headers = retryAfter('Sent with `OVERLOADED`: seconds to wait before retrying');
  } else if (status === 409 && codes.some(([, { when }]) => when.includes('Idempotency-Key'))) {
    response.headers = retryAfter('Sent while a request with this Idempotency-Key is running');
  }
  return response;
}

/** `VALIDATION_FAILED` and `BAD_REQUEST` -> `ValidationFailedOrBadRequest`. */
function sharedResponseName(codes: readonly ErrorCode[]): string {
  return codes
    .map((code) =>
      code
        .toLowerCase()
        .split('_')
        .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
        .join(''),
    )
    .join('Or');
}

function isReference(value: unknown): value is ReferenceObject {
  return typeof value === 'object' && value !== null && '$ref' in value;
}

/**
 * Adds the error model to a document generated by @nestjs/swagger: the `ErrorResponse` schema,
 * the security schemes, and on every operation its access (security and a description line) and
 * each error status it can answer with, listing the codes of that status. Everything comes from
 * the route (access level, parameters, body, method), `ERROR_CODES` and `OPERATION_ERRORS`.
 */
export function addErrorModel(
  document: OpenAPIObject,
  accessLevels: ReadonlyMap<string, AccessLevel>,
): void {
  const components = (document.components ??= {});
  components.schemas = {
    ...components.schemas,
    FieldProblem: FIELD_PROBLEM,
    ErrorResponse: errorResponseSchema(),
  };
  components.securitySchemes = {
    apiKey: {
      type: 'apiKey',
      in: 'header',
      name: 'x-api-key',
      description: 'An API key (`cft_…`)',
    },
    bearer: {
      type: 'http',
      scheme: 'bearer',
      description: 'The same API key as `Authorization: Bearer <key>` (not a JWT)',
    },
  };
  document.security = [{ apiKey: [] }, { bearer: [] }];

  const shared = new Map<string, ResponseObject>();
  const unknown = new Set(Object.keys(OPERATION_ERRORS));
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method];
      if (!operation) {
        continue;
      }
      const operationId = operation.operationId ?? `${method} ${path}`;
      unknown.delete(operationId);
      const access = accessLevels.get(operationId);
      if (!access) {
        throw new Error(`No controller method found for the operation ${operationId}`);
      }
      operation.security = securityFor(access);
      operation.description = [operation.description, ACCESS_LINES[access]]
        .filter(Boolean)
        .join('\n\n');
      (operation as OperationObject & { 'x-access': AccessLevel })['x-access'] = access;
      markOptionalBody(document, operation);

      const byStatus = new Map<number, [ErrorCode, Reason][]>();
      const reasons = codesOf({ path, method, operation, access });
      for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
        const reason = reasons.get(code);
        if (reason) {
          const status = ERROR_CODES[code];
          byStatus.set(status, [...(byStatus.get(status) ?? []), [code, reason]]);
        }
      }
      const responses = operation.responses;
      for (const [status, codes] of byStatus) {
        const earlier = responses[status];
        const response = errorResponse({
          status,
          codes,
          earlier: isReference(earlier) ? undefined : earlier,
        });
        if (earlier || codes.some(([, reason]) => reason.specific)) {
          responses[status] = response;
          continue;
        }
        // The same codes for the same reasons: one shared response, referenced.
        const name = sharedResponseName(codes.map(([code]) => code));
        shared.set(name, response);
        responses[status] = { $ref: `#/components/responses/${name}` };
      }
      operation.responses = Object.fromEntries(
        Object.entries(responses).sort(([a], [b]) => statusOrder(a) - statusOrder(b)),
      );
    }
  }
  components.responses = {
    ...components.responses,
    ...Object.fromEntries([...shared].sort(([a], [b]) => a.localeCompare(b))),
  };
  if (unknown.size > 0) {
    throw new Error(
      `OPERATION_ERRORS names operations that do not exist: ${[...unknown].join(', ')}`,
    );
  }
}

function statusOrder(status: string): number {
  const value = Number(status);
  return Number.isNaN(value) ? 1000 : value;
}

/**
 * A body whose schema requires no field may be left out (the service then takes it as `{}`), so
 * the document says it is optional.
 */
function markOptionalBody(document: OpenAPIObject, operation: OperationObject): void {
  const body = operation.requestBody;
  if (!body || isReference(body)) {
    return;
  }
  const schema = body.content['application/json']?.schema;
  const resolved = isReference(schema)
    ? document.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')]
    : schema;
  if (resolved && !isReference(resolved) && (resolved.required ?? []).length === 0) {
    body.required = false;
  }
}
