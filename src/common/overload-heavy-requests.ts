import {
  Injectable,
  UseInterceptors,
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { finalize, type Observable } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { OverloadException } from './overload';

const RETRY_AFTER_SECONDS = 1;

export interface HeavyRequestOptions {
  /**
   * Whether this call is heavy, from its query string as received (strings, not yet validated);
   * every call of the route when omitted.
   */
  when?: (query: Record<string, unknown>) => boolean;
}

const HeavyRequestMetadata = Reflector.createDecorator<HeavyRequestOptions>();

/** A query parameter as a number, or undefined (absent, or not a number: validation says so later). */
export function numericQuery(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
  return Number.isFinite(number) ? number : undefined;
}

/**
 * Heavy requests in flight per caller, per api instance (a Fastify instance: tests run several
 * apps in one process). Counted in memory: the limit protects this process's event loop.
 */
const inFlightByServer = new WeakMap<FastifyInstance, Map<string, number>>();

function inFlightOf(server: FastifyInstance): Map<string, number> {
  let counts = inFlightByServer.get(server);
  if (!counts) {
    counts = new Map();
    inFlightByServer.set(server, counts);
  }
  return counts;
}

/**
 * Counts a heavy call against its caller's `HEAVY_REQUESTS_PER_KEY` while it runs; over the limit,
 * 429 `RATE_LIMITED` with `Retry-After` before any work is done. Runs after the access guard, so
 * only authorized calls count: per API key, or per client address for public reads.
 */
@Injectable()
class HeavyRequestInterceptor implements NestInterceptor {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const options = this.reflector.get(HeavyRequestMetadata, context.getHandler());
    if (context.getType() !== 'http' || !options) {
      return next.handle();
    }
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (options.when && !options.when((request.query ?? {}) as Record<string, unknown>)) {
      return next.handle();
    }
    const principal = request.principal;
    const caller = principal ? `key:${principal.apiKeyId}` : `ip:${request.ip}`;
    const counts = inFlightOf(request.server);
    const limit = this.config.get('HEAVY_REQUESTS_PER_KEY');
    const running = counts.get(caller) ?? 0;
    if (running >= limit) {
      void context
        .switchToHttp()
        .getResponse<FastifyReply>()
        .header('retry-after', RETRY_AFTER_SECONDS);
      throw new OverloadException(
        'RATE_LIMITED',
        `This ${principal ? 'API key' : 'address'} already has ${running} heavy requests in flight (long candle and indicator ranges, backtests, model searches and training), the limit of HEAVY_REQUESTS_PER_KEY=${limit}; retry in ${RETRY_AFTER_SECONDS} s, once one has finished`,
      );
    }
    counts.set(caller, running + 1);
    return next.handle().pipe(
      finalize(() => {
        const left = (counts.get(caller) ?? 1) - 1;
        if (left > 0) {
          counts.set(caller, left);
        } else {
          counts.delete(caller);
        }
      }),
    );
  }
}

/**
 * Marks a route as heavy (long ranges, backtests, searches, training starts): at most
 * `HEAVY_REQUESTS_PER_KEY` of them in flight per caller, so a burst cannot starve `/predict`.
 */
export function HeavyRequest(options: HeavyRequestOptions = {}): MethodDecorator {
  return applyDecorators(HeavyRequestMetadata(options), UseInterceptors(HeavyRequestInterceptor));
}
