import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { INDICATORS_UPDATED } from '../indicators/indicator-events';
import { CANDLE_CLOSED, CANDLES_WRITTEN } from '../market-data/candle-events';
import { PREDICTION_UPDATED } from '../models/model-events';
import { RedisService } from '../redis/redis.service';
import { SIGNAL_CREATED } from '../strategy/strategy-events';
import { cacheControl, ifNoneMatchMatches, type CandleContent } from './http-cache';

/**
 * A request with no key at all: its answer may go to shared caches (`public`) where the route is
 * readable by anyone, and it reads and writes the memo's public entries.
 */
export function isSharedRequest(request: FastifyRequest): boolean {
  return !request.principal && request.authFailure === 'missing';
}

/** Events after which a remembered answer may be out of date: the memo is emptied on each. */
const CHANGES = [
  CANDLE_CLOSED,
  CANDLES_WRITTEN,
  PREDICTION_UPDATED,
  SIGNAL_CREATED,
  INDICATORS_UPDATED,
];

/** How long a read's ETag is trusted without running its handler (the staleness a poller may see). */
const VALIDATOR_MEMO_MS = 1000;
/** URLs remembered at most (the oldest goes first). */
const MAX_ENTRIES = 10_000;

interface MemoEntry {
  etag: string;
  content: CandleContent;
  immutable: boolean;
  /** Epoch ms after which the handler runs again. */
  expiresAt: number;
}

/**
 * The ETags of the last answers of `@CachedRead` routes readable by any key (or by anyone), by
 * URL and by whether the answer was shared (public) or keyed (private). A conditional GET whose
 * If-None-Match holds the remembered ETag is answered 304 before its handler runs: no guard,
 * pipe, service call, Redis read, serialization or hash. Authentication and rate limits still
 * run first (they are onRequest hooks). The memo is emptied whenever candles, forecasts, signals
 * or indicators change (Redis events, a candle close among them), and an entry lasts
 * VALIDATOR_MEMO_MS at most, should an event be lost.
 */
@Injectable()
export class ValidatorMemo implements OnApplicationBootstrap {
  private readonly entries = new Map<string, MemoEntry>();

  constructor(private readonly redis: RedisService) {}

  async onApplicationBootstrap(): Promise<void> {
    const forget = () => this.entries.clear();
    for (const channel of CHANGES) {
      await this.redis.subscribe(channel, forget, forget);
    }
  }

  static key(url: string, shared: boolean): string {
    return `${shared ? 'public' : 'private'} ${url}`;
  }

  remember(params: {
    url: string;
    shared: boolean;
    etag: string;
    content: CandleContent;
    immutable: boolean;
    nowMs: number;
  }): void {
    const { url, shared, etag, content, immutable, nowMs } = params;
    const key = ValidatorMemo.key(url, shared);
    this.entries.delete(key);
    if (this.entries.size >= MAX_ENTRIES) {
      this.entries.delete(this.entries.keys().next().value as string);
    }
    this.entries.set(key, {
      etag,
      content,
      immutable,
      expiresAt: nowMs + VALIDATOR_MEMO_MS,
    });
  }

  /** The remembered answer's headers when `ifNoneMatch` matches its ETag and it is still trusted. */
  notModified(params: {
    url: string;
    shared: boolean;
    ifNoneMatch: string;
    nowMs: number;
  }): { etag: string; cacheControl: string } | undefined {
    const { url, shared, ifNoneMatch, nowMs } = params;
    const key = ValidatorMemo.key(url, shared);
    const entry = this.entries.get(key);
    if (!entry) {
      return undefined;
    }
    if (nowMs >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    if (!ifNoneMatchMatches(ifNoneMatch, entry.etag)) {
      return undefined;
    }
    return {
      etag: entry.etag,
      cacheControl: cacheControl({
        shared,
        content: entry.content,
        immutable: entry.immutable,
        nowMs,
      }),
    };
  }

  /**
   * Answers remembered conditional GETs with 304 before the route's handler. A request counts as
   * shared when it sent no key at all (the interceptor's rule); one with a key reads the keyed
   * entry, which only requests whose key passed the route's guard created.
   */
  register(fastify: FastifyInstance): void {
    fastify.addHook('preHandler', (request, reply, done) => {
      const ifNoneMatch = request.headers['if-none-match'];
      if (
        ifNoneMatch === undefined ||
        (request.method !== 'GET' && request.method !== 'HEAD') ||
        this.entries.size === 0
      ) {
        return done();
      }
      const shared = isSharedRequest(request);
      if (!request.principal && !shared) {
        return done();
      }
      const hit = this.notModified({ url: request.url, shared, ifNoneMatch, nowMs: Date.now() });
      if (!hit) {
        return done();
      }
      void reply
        .code(304)
        .header('etag', hit.etag)
        .header('cache-control', hit.cacheControl)
        .header('vary', 'x-api-key, authorization')
        .send();
    });
  }
}
