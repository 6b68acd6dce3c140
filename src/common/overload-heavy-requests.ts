import {
  Injectable,
  UseInterceptors,
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { finalize, type Observable } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { OverloadException } from './overload';

const RETRY_AFTER_SECONDS = 1;

export interface HeavyRequestOptions {
  /**
   * Whether this call is heavy, from its query string as received (strings, not yet validated)
   * or its GraphQL arguments; every call of the route when omitted.
   */
  when?: (query: Record<string, unknown>) => boolean;
}

const HeavyRequestMetadata = Reflector.createDecorator<HeavyRequestOptions>();

/**
 * A query parameter (a string) or GraphQL argument (a number) as a number, or undefined (absent,
 * or not a number: validation says so later).
 */
function numericInput(value: unknown): number | undefined {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  return Number.isFinite(number) ? number : undefined;
}

/** Heavy when more than `threshold` items are asked for (`limit`, default 500 as the range DTOs). */
export function limitOver(threshold: number): HeavyRequestOptions {
  return { when: (input) => (numericInput(input.limit) ?? 500) > threshold };
}

/**
 * Heavy requests in flight per caller, per app (known by its configuration: tests run several
 * apps in one process, and GraphQL routes live in another Fastify instance than REST routes).
 * Counted in memory: the limit protects this process's event loop.
 */
const inFlightByApp = new WeakMap<AppConfig, Map<string, number>>();

function inFlightOf(app: AppConfig): Map<string, number> {
  let counts = inFlightByApp.get(app);
  if (!counts) {
    counts = new Map();
    inFlightByApp.set(app, counts);
  }
  return counts;
}

/** The HTTP exchange of a REST call or GraphQL field, and what decides whether it is heavy. */
function callOf(
  context: ExecutionContext,
): { request: FastifyRequest; reply: FastifyReply; input: Record<string, unknown> } | undefined {
  if (context.getType() === 'http') {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    return {
      request,
      reply: http.getResponse<FastifyReply>(),
      input: (request.query ?? {}) as Record<string, unknown>,
    };
  }
  if (context.getType<GqlContextType>() === 'graphql') {
    const graphql = GqlExecutionContext.create(context);
    // Over a websocket (subscriptions) there is no request to count against.
    const { req, reply } = graphql.getContext<{ req?: FastifyRequest; reply?: FastifyReply }>();
    return req && reply ? { request: req, reply, input: graphql.getArgs() } : undefined;
  }
  return undefined;
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
    const call = options && callOf(context);
    if (!call || (options.when && !options.when(call.input))) {
      return next.handle();
    }
    const { request, reply } = call;
    const principal = request.principal;
    const caller = principal ? `key:${principal.apiKeyId}` : `ip:${request.ip}`;
    const counts = inFlightOf(this.config);
    const limit = this.config.get('HEAVY_REQUESTS_PER_KEY');
    const running = counts.get(caller) ?? 0;
    if (running >= limit) {
      void reply.header('retry-after', RETRY_AFTER_SECONDS);
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
 * Marks a route or GraphQL field as heavy (long ranges, backtests, searches, training starts): at
 * most `HEAVY_REQUESTS_PER_KEY` of them in flight per caller, REST and GraphQL together, so a
 * burst cannot starve `/predict`.
 */
export function HeavyRequest(options: HeavyRequestOptions = {}): MethodDecorator {
  return applyDecorators(HeavyRequestMetadata(options), UseInterceptors(HeavyRequestInterceptor));
}
