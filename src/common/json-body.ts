import type { ArgumentMetadata, PipeTransform, ValidationPipe } from '@nestjs/common';
import type { FastifyBodyParser, FastifyInstance } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { AppException, ValidationException } from './app.exception';

/**
 * Deepest nesting of objects and arrays a JSON body may have. No request of the API nests more
 * than a few levels; 3,000 levels overflowed the validation pipe's stack (a 500) and a 1 MB body
 * of 170,000 levels held the event loop for ~270 ms.
 */
export const MAX_JSON_DEPTH = 64;

class JsonBodyException extends AppException {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * True when `body` nests objects and arrays deeper than `maxDepth`, brackets inside strings not
 * counted. One pass over the bytes (UTF-8 continuation bytes are never ASCII), stopping at the
 * first level too deep; malformed JSON is left for the parser to refuse.
 */
export function nestsDeeperThan(body: Buffer, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < body.length; index++) {
    const byte = body[index];
    if (inString) {
      if (byte === BACKSLASH) {
        index++;
      } else if (byte === QUOTE) {
        inString = false;
      }
    } else if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      depth++;
      if (depth > maxDepth) {
        return true;
      }
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

/**
 * The `application/json` parser of REST and GraphQL: refuses a body nested deeper than
 * `maxDepth` with a 400 before parsing it, then parses with Fastify's own parser (which refuses
 * `__proto__` and `constructor.prototype` keys).
 */
export function depthLimitedJsonParser(
  fastify: FastifyInstance,
  maxDepth: number = MAX_JSON_DEPTH,
): FastifyBodyParser<Buffer> {
  const { onProtoPoisoning, onConstructorPoisoning } = fastify.initialConfig;
  const parseJson = fastify.getDefaultJsonParser(
    onProtoPoisoning ?? 'error',
    onConstructorPoisoning ?? 'error',
  );
  return (request, body, done) => {
    // An empty chunked body (a sized one never gets here: see dropEmptyBodyContentType).
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    if (nestsDeeperThan(body, maxDepth)) {
      done(
        new JsonBodyException(
          'BAD_REQUEST',
          `The request body is nested too deep: JSON objects and arrays may nest at most ${maxDepth} levels`,
        ),
        undefined,
      );
      return;
    }
    void parseJson(request, body.toString('utf8'), done);
  };
}

/**
 * Makes an empty body no body, whatever content type it claims: many clients and curl habits send
 * `content-type: application/json` on every call, and Fastify would parse the nothing (a 400 for
 * JSON, a 415 for other types) even for routes that take no body. Called from an `onRequest` hook,
 * before Fastify reads the header to pick a parser. A route that needs a body still refuses its
 * absence (`requireBody`).
 */
export function dropEmptyBodyContentType(headers: IncomingHttpHeaders): void {
  if (
    headers['content-type'] !== undefined &&
    headers['transfer-encoding'] === undefined &&
    (headers['content-length'] === undefined || headers['content-length'] === '0')
  ) {
    delete headers['content-type'];
  }
}

/** The 400 for a route that needs a body and was sent none. */
const MISSING_BODY_PROBLEM = {
  field: 'body',
  problem: 'is required: send a JSON object with content-type application/json',
} as const;

/**
 * The validation pipe, except for a whole body (`@Body()`) that was not sent: when the body's DTO
 * accepts `{}` (no required field), the route runs with it; otherwise a 400 names the body rather
 * than each of its fields. Wraps the pipe instead of running before it, so every other argument
 * costs no extra call.
 */
export function requireBody(validation: ValidationPipe): PipeTransform {
  return {
    transform(value: unknown, metadata: ArgumentMetadata): unknown {
      if (value !== undefined || metadata.type !== 'body' || metadata.data !== undefined) {
        return validation.transform(value, metadata);
      }
      return Promise.resolve(validation.transform({}, metadata)).catch((error: unknown) => {
        throw error instanceof ValidationException
          ? new ValidationException([{ ...MISSING_BODY_PROBLEM }])
          : error;
      });
    },
  };
}
