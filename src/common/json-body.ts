import type { FastifyBodyParser, FastifyInstance } from 'fastify';
import { AppException } from './app.exception';

/**
 * Deepest nesting of objects and arrays a JSON body may have. No request of the API nests more
 * than a few levels; 3,000 levels overflowed the validation pipe's stack (a 500) and a 1 MB body
 * of 170,000 levels held the event loop for ~270 ms.
 */
export const MAX_JSON_DEPTH = 64;

export class JsonBodyException extends AppException {}

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
