import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config';
import type { RedisService } from '../redis/redis.service';
import { AppException } from './app.exception';
import { BatchedRedisStore, type WindowCountResult } from './rate-limit-store';
import { isExemptFromLimits } from './exempt-paths';

class RateLimitException extends AppException {}

/** Probes, and the dashboard's static files (`src/web/`): a page load is not an API call. */
/**
 * Fixed-window rate limits counted in Redis (batched far from the limit: `BatchedRedisStore`), so
 * they hold across replicas: per API key for authenticated calls, per client IP otherwise. Every
 * counted response carries `x-ratelimit-limit`, `-remaining` and `-reset` (seconds); over the
 * limit: 429 with `Retry-After`. When Redis does not answer within its command timeout, requests
 * are served uncounted (fail open) and /health/ready reports Redis as down.
 *
 * A plain callback hook rather than `@fastify/rate-limit`: that plugin awaits its key generator,
 * allow list, limit and store one after another on every request, which in `npm run bench:http`
 * cost more than the counting itself; here a request far from its limit costs no promise.
 * Registered after the authentication hook, whose principal decides the key and the limit.
 */
export function registerRateLimit(
  fastify: FastifyInstance,
  params: { config: AppConfig; redis: RedisService },
): void {
  const { config, redis } = params;
  const keyedMax = config.get('RATE_LIMIT_MAX');
  const anonymousMax = config.get('RATE_LIMIT_ANONYMOUS_MAX');
  const windowMs = config.get('RATE_LIMIT_WINDOW_MS');
  const windowText = `${Math.round(windowMs / 1000)} s`;
  const store = new BatchedRedisStore(redis.client, `${config.redisKey('ratelimit')}:`);

  const answer = (
    request: FastifyRequest,
    reply: FastifyReply,
    max: number,
    result: WindowCountResult,
  ): RateLimitException | undefined => {
    const resetSeconds = Math.ceil(result.ttl / 1000);
    void reply.headers({
      'x-ratelimit-limit': max,
      'x-ratelimit-remaining': Math.max(0, max - result.current),
      'x-ratelimit-reset': resetSeconds,
    });
    if (result.current <= max) {
      return undefined;
    }
    void reply.header('retry-after', resetSeconds);
    return new RateLimitException(
      'RATE_LIMITED',
      `Rate limit of ${max} requests per ${windowText} exceeded for this ${
        request.principal ? 'API key' : 'address'
      }; retry in ${resetSeconds} s`,
    );
  };

  fastify.addHook('onRequest', (request, reply, done) => {
    if (isExemptFromLimits(request.url)) {
      return done();
    }
    const principal = request.principal;
    const max = principal ? keyedMax : anonymousMax;
    store.incr(
      principal ? `key:${principal.apiKeyId}` : `ip:${request.ip}`,
      (error, result) => {
        // Redis away: serve uncounted rather than fail every request (readiness says why).
        if (error || !result) {
          return done();
        }
        const exceeded = answer(request, reply, max, result);
        return exceeded ? done(exceeded) : done();
      },
      windowMs,
      max,
    );
  });
}
