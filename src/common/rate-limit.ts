import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config';
import type { RedisService } from '../redis/redis.service';
import { AppException } from './app.exception';
import { BatchedRedisStore } from './rate-limit-store';

export class RateLimitException extends AppException {}

const UNLIMITED_PATHS = ['/health', '/metrics'];

/**
 * Fixed-window rate limits counted in Redis (batched far from the limit: `BatchedRedisStore`), so
 * they hold across replicas: per API key for authenticated calls, per client IP otherwise. Over the limit: 429 with Retry-After. When Redis
 * does not answer within a second, requests are served uncounted (fail open) and /health/ready
 * reports Redis as down.
 */
export async function registerRateLimit(
  fastify: FastifyInstance,
  params: { config: AppConfig; redis: RedisService },
): Promise<void> {
  const { config, redis } = params;
  const keyedMax = config.get('RATE_LIMIT_MAX');
  const anonymousMax = config.get('RATE_LIMIT_ANONYMOUS_MAX');
  const windowMs = config.get('RATE_LIMIT_WINDOW_MS');
  await fastify.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    // Keeps Redis off the request path while a key is far from its limit (see BatchedRedisStore).
    store: BatchedRedisStore.bound(redis.client, `${config.redisKey('ratelimit')}:`) as never,
    timeWindow: windowMs,
    // Redis down: serve without counting rather than fail every request (readiness reports it).
    skipOnError: true,
    allowList: (request: FastifyRequest) =>
      UNLIMITED_PATHS.some((path) => request.url === path || request.url.startsWith(`${path}/`)),
    keyGenerator: (request: FastifyRequest) =>
      request.principal ? `key:${request.principal.apiKeyId}` : `ip:${request.ip}`,
    max: (request: FastifyRequest) => (request.principal ? keyedMax : anonymousMax),
    errorResponseBuilder: (request, context) =>
      new RateLimitException(
        'RATE_LIMITED',
        `Rate limit of ${context.max} requests per ${Math.round(windowMs / 1000)} s exceeded for this ${
          request.principal ? 'API key' : 'address'
        }; retry in ${context.after}`,
      ),
  });
}
