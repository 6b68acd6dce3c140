import type { OpenAPIObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ERROR_CODES, type ErrorCode } from '../../src/common/app.exception';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const DOCUMENT_ID = 'openapi';
const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);

/**
 * An OpenAPI 3.0 schema as the JSON Schema Ajv checks: `nullable` becomes a union with null,
 * references point into the registered document, and every object that lists its properties
 * refuses any other (`additionalProperties: false` unless the schema says otherwise), so a field
 * the contract does not name is a violation.
 */
function toStrictJsonSchema(schema: unknown): Json {
  if (Array.isArray(schema)) {
    return schema.map(toStrictJsonSchema);
  }
  if (typeof schema !== 'object' || schema === null) {
    return schema as Json;
  }
  const source = schema as Record<string, unknown>;
  if (typeof source.$ref === 'string') {
    return { $ref: `${DOCUMENT_ID}${source.$ref}` };
  }
  const result: Record<string, Json> = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === 'nullable' || key === 'example' || key === 'examples' || key === 'discriminator') {
      continue;
    }
    if (key === 'properties' || key === 'patternProperties') {
      result[key] = Object.fromEntries(
        Object.entries(value as Record<string, unknown>).map(([name, property]) => [
          name,
          toStrictJsonSchema(property),
        ]),
      );
    } else if (['items', 'additionalProperties', 'not', 'allOf', 'anyOf', 'oneOf'].includes(key)) {
      result[key] = toStrictJsonSchema(value);
    } else {
      result[key] = value as Json;
    }
  }
  if (result.properties !== undefined && result.additionalProperties === undefined) {
    result.additionalProperties = false;
  }
  return source.nullable === true ? { anyOf: [result, { type: 'null' }] } : result;
}

export interface ObservedResponse {
  method: string;
  /** Fastify's route pattern, `/webhooks/:id`; undefined when no route matched. */
  route: string | undefined;
  status: number;
  contentType: string | undefined;
  headers: Record<string, unknown>;
  /** The body as sent, when it was sent whole (not a stream). */
  body: string | undefined;
}

/**
 * Checks responses against an OpenAPI document: the status is documented for the operation, a
 * body is documented for it with its media type, the body matches the schema with no field the
 * schema does not name, required headers are sent, and an error's `code` belongs to its status
 * and is one the operation lists for it (`x-error-codes`). Responses of routes the document does
 * not describe (GraphQL, Bull Board, the dashboard, /docs) are not its business.
 */
export class ContractValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenAPIObject) {
    addFormats(this.ajv);
    this.ajv.addSchema(
      {
        components: {
          schemas: Object.fromEntries(
            Object.entries(document.components?.schemas ?? {}).map(([name, schema]) => [
              name,
              toStrictJsonSchema(schema),
            ]),
          ),
        },
      },
      DOCUMENT_ID,
    );
  }

  /** The problems of one response, as `GET /path 404: ...` lines; empty when it is in the contract. */
  check(observed: ObservedResponse): string[] {
    const method = observed.method.toLowerCase();
    if (!observed.route || !METHODS.has(method)) {
      return [];
    }
    const path = observed.route.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const operation = this.document.paths[path]?.[method as 'get'];
    if (!operation) {
      return [];
    }
    const label = `${method.toUpperCase()} ${path} (${operation.operationId ?? '?'}) ${observed.status}`;
    const response = this.resolveResponse(operation.responses[observed.status]);
    if (!response) {
      return [`${label}: status not documented (${excerpt(observed.body)})`];
    }
    const problems: string[] = [];
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      if (
        'required' in header &&
        header.required &&
        observed.headers[name.toLowerCase()] === undefined
      ) {
        problems.push(`${label}: required header ${name} not sent`);
      }
    }
    if (observed.body === undefined || observed.body.length === 0) {
      return problems;
    }
    const mediaType = observed.contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
    const content = response.content?.[mediaType];
    if (!content) {
      const documented = Object.keys(response.content ?? {}).join(', ') || 'no body';
      return [
        ...problems,
        `${label}: body of type ${mediaType || '(none)'} where the contract says ${documented}`,
      ];
    }
    if (!content.schema || !mediaType.endsWith('json')) {
      return problems;
    }
    let body: unknown;
    try {
      body = JSON.parse(observed.body);
    } catch {
      return [...problems, `${label}: body is not JSON (${excerpt(observed.body)})`];
    }
    const key = `${path} ${method} ${observed.status} ${mediaType}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(toStrictJsonSchema(content.schema) as SchemaObject);
      this.compiled.set(key, validate);
    }
    if (!validate(body)) {
      problems.push(`${label}: ${describe(validate.errors ?? [])} in ${excerpt(observed.body)}`);
    }
    if (observed.status >= 400) {
      problems.push(...this.checkErrorCode(label, observed.status, response, body));
    }
    return problems;
  }

  /** The problems of `value` against the component schema `name`; empty when it matches. */
  checkSchema(name: string, value: unknown): string[] {
    if (!this.document.components?.schemas?.[name]) {
      return [`no component schema ${name} in the contract`];
    }
    let validate = this.compiled.get(`#${name}`);
    if (!validate) {
      validate = this.ajv.compile({ $ref: `${DOCUMENT_ID}#/components/schemas/${name}` });
      this.compiled.set(`#${name}`, validate);
    }
    return validate(value) ? [] : [`${name}: ${describe(validate.errors ?? [])}`];
  }

  private checkErrorCode(
    label: string,
    status: number,
    response: ResponseObject,
    body: unknown,
  ): string[] {
    const code = (body as { code?: unknown } | null)?.code as ErrorCode | undefined;
    if (typeof code !== 'string') {
      return [];
    }
    const listed =
      (response as ResponseObject & { 'x-error-codes'?: string[] })['x-error-codes'] ?? [];
    const problems: string[] = [];
    if (ERROR_CODES[code] !== status) {
      problems.push(`${label}: code ${code} belongs to status ${ERROR_CODES[code]}`);
    }
    if (!listed.includes(code)) {
      problems.push(
        `${label}: code ${code} is not one the operation documents for this status (${listed.join(', ')})`,
      );
    }
    return problems;
  }

  private resolveResponse(response: unknown): ResponseObject | undefined {
    if (typeof response !== 'object' || response === null) {
      return undefined;
    }
    const ref = (response as { $ref?: unknown }).$ref;
    if (typeof ref === 'string') {
      const name = ref.replace('#/components/responses/', '');
      return this.resolveResponse(this.document.components?.responses?.[name]);
    }
    return response as ResponseObject;
  }
}

function describe(errors: ErrorObject[]): string {
  return errors
    .slice(0, 5)
    .map((error) => {
      const where = error.instancePath || '(body)';
      const extra =
        error.keyword === 'additionalProperties'
          ? ` (${String((error.params as { additionalProperty: string }).additionalProperty)})`
          : error.keyword === 'enum'
            ? ` (${JSON.stringify((error.params as { allowedValues: unknown }).allowedValues)})`
            : '';
      return `${where} ${error.message ?? error.keyword}${extra}`;
    })
    .join('; ');
}

function excerpt(body: string | undefined): string {
  if (body === undefined) {
    return 'no body';
  }
  return body.length > 300 ? `${body.slice(0, 300)}…` : body;
}
