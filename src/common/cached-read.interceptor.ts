import {
  Injectable,
  UseInterceptors,
  applyDecorators,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiHeader, ApiResponse } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, type Observable } from 'rxjs';
import { Access, type AccessLevel } from '../auth/access.decorator';
import { AppConfig } from '../config/app-config';
import { INTERVAL_MS } from '../market-data/market-catalogue';
import { cacheControl, entityTag, isClosedCompleteRange, type CandleContent } from './http-cache';
import { decodeTimeCursor } from './page-cursor';
import { parseTime } from './time-param';
import { isSharedRequest, ValidatorMemo } from './validator-memo';

export interface CachedReadOptions {
  /**
   * `next-close`: the body holds until the market's next candle close (latest forecast, signals,
   * indicators). `immutable-if-closed`: a candle range entirely before the newest closed candle
   * never changes; a range reaching it holds until the next close.
   */
  until: 'next-close' | 'immutable-if-closed';
}

const CachedReadMetadata = Reflector.createDecorator<CachedReadOptions>();

/** Bodies the services serialize once and hand out again (the latest prediction), described once. */
const MAX_DESCRIBED_BODIES = 1024;

/** What a body is about; a candle page also lists its candles' open times. */
type BodyContent = CandleContent & { openTimes?: number[] };

interface DescribedBody {
  etag: string;
  content: BodyContent;
}

/** A body's time field as epoch ms: a Date from a DTO, or an ISO string from serialized JSON. */
function timeOf(value: unknown): number | undefined {
  if (value instanceof Date) {
    return value.getTime();
  }
  if (typeof value === 'string') {
    const ms = Date.parse(value);
    return Number.isFinite(ms) ? ms : undefined;
  }
  return undefined;
}

function stepOf(interval: unknown): number | undefined {
  return typeof interval === 'string' ? INTERVAL_MS[interval] : undefined;
}

function fieldsOf(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/**
 * The market interval and the newest candle a body reflects: `{ interval, openTime }` (a
 * prediction, latest indicators), a list of those (one signal per strategy: the list is as old
 * as its oldest entry) or a candle page (its last candle).
 */
function contentOf(body: unknown): BodyContent {
  if (Array.isArray(body)) {
    const times = body.map((item) => timeOf(fieldsOf(item).openTime));
    return {
      stepMs: stepOf(fieldsOf(body[0]).interval),
      newestOpenTime:
        times.length > 0 && times.every((time) => time !== undefined)
          ? Math.min(...times)
          : undefined,
    };
  }
  const fields = fieldsOf(body);
  if (Array.isArray(fields.candles)) {
    const openTimes = fields.candles.map((candle) => timeOf(fieldsOf(candle).openTime) ?? NaN);
    return {
      stepMs: stepOf(fields.interval),
      newestOpenTime: openTimes[openTimes.length - 1],
      openTimes,
    };
  }
  return { stepMs: stepOf(fields.interval), newestOpenTime: timeOf(fields.openTime) };
}

function queryTime(
  query: Record<string, unknown>,
  name: 'from' | 'to' | 'cursor',
): number | undefined {
  const value = query[name];
  if (typeof value !== 'string') {
    return undefined;
  }
  // The handler has validated the query already: these cannot throw here.
  return name === 'cursor' ? decodeTimeCursor(value) : parseTime(value, name);
}

/**
 * Gives a read a strong ETag (the hash of the body sent) and a Cache-Control that lets a cache
 * keep it until the market's next candle close, or for good for a closed candle range. Shared
 * caches may store it (`public`) only when the route is readable without a key (PUBLIC_READ and
 * `@Access('public-read')`) and the request sent none; keyed answers are `private`. The 304 on a
 * matching If-None-Match is answered by `registerConditionalGet`.
 */
@Injectable()
class CachedReadInterceptor implements NestInterceptor<unknown, string> {
  /** Each handler's access level, read from its metadata once. */
  private readonly levels = new WeakMap<object, AccessLevel | undefined>();
  private readonly described = new Map<string, DescribedBody>();

  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
    private readonly memo: ValidatorMemo,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler<unknown>): Observable<string> {
    const options = this.reflector.get(CachedReadMetadata, context.getHandler());
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const level = this.levelOf(context);
    const readable =
      level === 'public' || (level === 'public-read' && Boolean(this.config.get('PUBLIC_READ')));
    const shared = readable && isSharedRequest(request);
    // Conditional GETs of what every key may read are answered from the memo before the handler.
    const remembered =
      (level === 'public' || level === 'public-read') && (shared || Boolean(request.principal));
    return next.handle().pipe(
      map((body) => {
        const json = typeof body === 'string' ? body : JSON.stringify(body);
        const { etag, content } = this.describe(body, json);
        const nowMs = Date.now();
        const immutable =
          options.until === 'immutable-if-closed' &&
          content.stepMs !== undefined &&
          this.isClosedRange({ request, stepMs: content.stepMs, content, body, nowMs });
        if (remembered) {
          this.memo.remember({ url: request.url, shared, etag, content, immutable, nowMs });
        }
        void reply
          .header('etag', etag)
          .header('cache-control', cacheControl({ shared, content, immutable, nowMs }))
          .header('vary', 'x-api-key, authorization');
        if (typeof body !== 'string') {
          void reply.header('content-type', 'application/json; charset=utf-8');
        }
        return json;
      }),
    );
  }

  private levelOf(context: ExecutionContext): AccessLevel | undefined {
    const handler = context.getHandler();
    if (!this.levels.has(handler)) {
      this.levels.set(
        handler,
        this.reflector.getAllAndOverride(Access, [handler, context.getClass()]),
      );
    }
    return this.levels.get(handler);
  }

  /**
   * The ETag and content of a body. A string body is JSON a service serialized once and serves
   * again (the same prediction until the next one): its description is kept, so a poll costs a
   * map lookup and no hashing.
   */
  private describe(body: unknown, json: string): DescribedBody {
    if (typeof body !== 'string') {
      return { etag: entityTag(json), content: contentOf(body) };
    }
    let described = this.described.get(json);
    if (!described) {
      described = { etag: entityTag(json), content: contentOf(JSON.parse(json)) };
      if (this.described.size >= MAX_DESCRIBED_BODIES) {
        // Maps iterate in insertion order: the oldest body goes.
        this.described.delete(this.described.keys().next().value as string);
      }
      this.described.set(json, described);
    }
    return described;
  }

  private isClosedRange(params: {
    request: FastifyRequest;
    stepMs: number;
    content: BodyContent;
    body: unknown;
    nowMs: number;
  }): boolean {
    const { stepMs, content, nowMs } = params;
    const query = fieldsOf(params.request.query);
    return isClosedCompleteRange(
      {
        stepMs,
        from: queryTime(query, 'from'),
        to: queryTime(query, 'to'),
        cursorStart: queryTime(query, 'cursor'),
        openTimes: content.openTimes ?? [],
        truncated: typeof fieldsOf(params.body).nextCursor === 'string',
      },
      nowMs,
    );
  }
}

/**
 * Marks a GET whose answer changes once per candle: strong ETag, 304 on If-None-Match, and a
 * Cache-Control until the next close (or immutable for a closed candle range). See
 * `CachedReadInterceptor`.
 */
export function CachedRead(options: CachedReadOptions): MethodDecorator {
  return applyDecorators(
    CachedReadMetadata(options),
    UseInterceptors(CachedReadInterceptor),
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      description:
        'The ETag of an earlier answer: 304 with no body while it is still current. Answers carry a strong ETag, and Cache-Control lets caches keep them ' +
        (options.until === 'immutable-if-closed'
          ? 'for a year (immutable) when from and to name a range before the newest closed candle with no candle missing, else until the next candle close'
          : 'until the next candle close') +
        ' (public when PUBLIC_READ=true and no key is sent, else private; Vary: x-api-key, authorization).',
    }),
    ApiResponse({
      status: 304,
      description: 'Not modified: the If-None-Match ETag is current (no body)',
    }),
  );
}
