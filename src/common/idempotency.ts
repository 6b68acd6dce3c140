import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type Redis from 'ioredis';
import { SecretBox } from './secret-box';
import { AppException, ValidationException } from './app.exception';

class IdempotencyException extends AppException {}

/** How long an answer is kept for a repeat of its request. */
const KEEP_MS = 24 * 3_600_000;
/** How long a first request may run before a repeat may run it again (it crashed, say). */
const RUNNING_MS = 5 * 60_000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

interface Running {
  state: 'running';
  fingerprint: string;
}

interface Answered {
  state: 'answered';
  fingerprint: string;
  statusCode: number;
  contentType: string | null;
  /** The body sealed with SECRET_KEY: it may hold a secret shown once (a new API key). */
  body: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set when this request runs under an Idempotency-Key it claimed. */
    idempotency?: { redisKey: string; fingerprint: string };
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}

/**
 * GraphQL answers errors with HTTP 200; a mutation that failed (the database away, say) must run
 * again on a repeat, not answer its failure for a day.
 */
function graphqlErrors(request: FastifyRequest, body: string): boolean {
  if (!request.routeOptions.url?.endsWith('/graphql')) {
    return false;
  }
  try {
    const answer = JSON.parse(body) as { errors?: unknown[] };
    return Array.isArray(answer.errors) && answer.errors.length > 0;
  } catch {
    return true;
  }
}

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/**
 * `Idempotency-Key` on every POST (draft-ietf-httpapi-idempotency-key-header): a client that
 * sends one may repeat the request (a timeout, a lost answer) and gets the first answer again
 * instead of a second API key, subscription, secret or job. Per caller (API key, else address)
 * and key, for 24 h:
 * - the first request runs, and its answer is kept (status, content type, and the body sealed
 *   with SECRET_KEY, as it may hold a secret shown once); a 5xx, or a GraphQL answer with errors,
 *   is not kept, so a repeat runs again (as does one whose answer was sealed under another
 *   SECRET_KEY);
 * - a repeat with the same method, path and body gets the kept answer, marked
 *   `idempotent-replayed: true`;
 * - a repeat while the first still runs is a 409 (retry shortly); one with another method, path
 *   or body is a 422.
 * Requests without the header behave as before. The hooks are added to POST routes only (when
 * Fastify registers them), so reads pay nothing.
 */
export function registerIdempotency(
  fastify: FastifyInstance,
  params: { redis: Redis; prefix: string; secretKey: string | undefined },
): void {
  const { redis, prefix } = params;
  const box = new SecretBox(params.secretKey);

  const claim = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const header = request.headers['idempotency-key'];
    if (header === undefined) {
      return;
    }
    const key = Array.isArray(header) ? header[0] : header;
    if (key === undefined || !KEY_PATTERN.test(key)) {
      throw new ValidationException([
        {
          field: 'Idempotency-Key',
          problem: 'must be 1 to 255 visible ASCII characters (a UUID, say)',
        },
      ]);
    }
    const caller = request.principal ? `key:${request.principal.apiKeyId}` : `ip:${request.ip}`;
    const redisKey = `${prefix}${caller}:${sha256(key)}`;
    const fingerprint = sha256(
      `${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`,
    );
    const running: Running = { state: 'running', fingerprint };
    for (let attempt = 0; attempt < 2; attempt++) {
      if ((await redis.set(redisKey, JSON.stringify(running), 'PX', RUNNING_MS, 'NX')) === 'OK') {
        request.idempotency = { redisKey, fingerprint };
        return;
      }
      const stored = await redis.get(redisKey);
      if (stored === null) {
        continue; // expired in between: claim it again
      }
      const earlier = JSON.parse(stored) as Running | Answered;
      if (earlier.fingerprint !== fingerprint) {
        throw new IdempotencyException(
          'UNPROCESSABLE',
          'This Idempotency-Key was already used for another request (method, path or body); use a new key for a new request',
        );
      }
      if (earlier.state === 'running') {
        void reply.header('retry-after', 1);
        throw new IdempotencyException(
          'CONFLICT',
          'A request with this Idempotency-Key is still being processed; retry shortly for its answer',
        );
      }
      let body: string;
      try {
        body = box.open(earlier.body);
      } catch {
        // Sealed under another SECRET_KEY (rotated, or a replica not yet updated): it cannot be
        // given again, so the request runs again.
        await redis.del(redisKey);
        continue;
      }
      void reply.header('idempotent-replayed', 'true');
      if (earlier.contentType) {
        void reply.type(earlier.contentType);
      }
      return reply.code(earlier.statusCode).send(body);
    }
    return;
  };

  const keep = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const claimed = request.idempotency;
    if (!claimed) {
      return payload;
    }
    request.idempotency = undefined;
    const body =
      typeof payload === 'string'
        ? payload
        : Buffer.isBuffer(payload)
          ? payload.toString('utf8')
          : undefined;
    if (reply.statusCode >= 500 || body === undefined || graphqlErrors(request, body)) {
      // Not an answer to give again: a repeat runs the request again.
      await redis.del(claimed.redisKey);
      return payload;
    }
    const contentType = reply.getHeader('content-type');
    const answered: Answered = {
      state: 'answered',
      fingerprint: claimed.fingerprint,
      statusCode: reply.statusCode,
      contentType: typeof contentType === 'string' ? contentType : null,
      body: box.seal(body),
    };
    await redis.set(claimed.redisKey, JSON.stringify(answered), 'PX', KEEP_MS);
    return payload;
  };

  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (!asArray(route.method).includes('POST')) {
      return;
    }
    route.preHandler = [...asArray(route.preHandler), claim] as RouteOptions['preHandler'];
    route.onSend = [...asArray(route.onSend), keep] as RouteOptions['onSend'];
  });
}
