import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthException } from './auth.exception';
import { extractApiKey } from './api-key-secret';
import type { ApiKeysService } from './api-keys.service';

const MAX_KEY_LENGTH = 512;

/**
 * Resolves the caller's API key on every request, before rate limiting (which counts per key) and
 * before routing. It never rejects by itself: the access guard decides per route.
 */
export function registerAuthentication(fastify: FastifyInstance, apiKeys: ApiKeysService): void {
  fastify.decorateRequest('principal', undefined);
  fastify.decorateRequest('authFailure', undefined);
  fastify.addHook('onRequest', async (request: FastifyRequest) => {
    const key = extractApiKey(request.headers);
    if (!key) {
      request.authFailure = 'missing';
      return;
    }
    if (key.length > MAX_KEY_LENGTH) {
      request.authFailure = 'unknown';
      return;
    }
    let resolution: Awaited<ReturnType<ApiKeysService['resolve']>>;
    try {
      resolution = await apiKeys.resolve(key);
    } catch (error) {
      request.log.error({ err: error }, 'Could not check an API key');
      throw new AuthException(
        'SERVICE_UNAVAILABLE',
        'API keys cannot be checked right now (database unavailable); retry shortly',
      );
    }
    if ('principal' in resolution) {
      request.principal = resolution.principal;
    } else {
      request.authFailure = resolution.failure;
    }
  });
}
