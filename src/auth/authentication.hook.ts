import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AuthException } from './auth.exception';
import { extractApiKey } from './api-key-secret';
import type { ApiKeysService, Resolution } from './api-keys.service';

const MAX_KEY_LENGTH = 512;

/**
 * Resolves the caller's API key on every request, before rate limiting (which counts per key) and
 * before routing. It never rejects by itself: the access guard decides per route.
 */
export function registerAuthentication(
  fastify: FastifyInstance,
  apiKeys: ApiKeysService,
  logger: Logger,
): void {
  fastify.decorateRequest('principal', undefined);
  fastify.decorateRequest('authFailure', undefined);
  const apply = (request: FastifyRequest, resolution: Resolution) => {
    if ('principal' in resolution) {
      request.principal = resolution.principal;
    } else {
      request.authFailure = resolution.failure;
    }
  };
  // A callback hook, not an async one: a cached key costs no promise at all.
  fastify.addHook('onRequest', (request: FastifyRequest, _reply, done) => {
    const key = extractApiKey(request.headers);
    if (!key) {
      request.authFailure = 'missing';
      return done();
    }
    if (key.length > MAX_KEY_LENGTH) {
      request.authFailure = 'unknown';
      return done();
    }
    const cached = apiKeys.resolveCached(key);
    if (cached) {
      apply(request, cached);
      return done();
    }
    apiKeys.resolve(key).then(
      (resolution) => {
        apply(request, resolution);
        done();
      },
      (error: unknown) => {
        logger.error(
          { err: error, requestId: request.id },
          `Request ${request.id}: could not check an API key`,
        );
        done(
          new AuthException(
            'SERVICE_UNAVAILABLE',
            'API keys cannot be checked right now (database unavailable); retry shortly',
          ),
        );
      },
    );
  });
}
