import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

/**
 * HTTP caching of reads that change once per candle (RFC 9110 conditional requests, RFC 9111
 * Cache-Control): a strong ETag from the body, 304 on a matching If-None-Match, and how long a
 * cache may keep the answer.
 */

/** A year: what `immutable` answers carry (RFC 8246). */
export const IMMUTABLE_MAX_AGE_SECONDS = 31_536_000;

/** A strong entity tag: the hash of the exact bytes sent, so it changes whenever the body does. */
export function entityTag(body: string): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/**
 * Whether an If-None-Match header matches a response's entity tag (RFC 9110 13.1.2): `*` matches
 * any current representation; otherwise a comma-separated list, compared weakly (`W/"x"` matches
 * `"x"`), as the RFC asks for If-None-Match.
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) {
    return false;
  }
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const match of header.matchAll(/\s*(\*|(?:W\/)?"[^"]*")\s*(?:,|$)/g)) {
    const tag = match[1];
    if (tag === '*' || tag === opaque || tag === `W/${opaque}`) {
      return true;
    }
  }
  return false;
}

/** What a read is about, for freshness: the market's interval and the candles it reflects. */
export interface CandleContent {
  /** Candle length in ms; undefined when the body does not say. */
  stepMs: number | undefined;
  /** Open time of the newest candle the body reflects; undefined when it reflects none. */
  newestOpenTime: number | undefined;
}

/** A candle range as asked and as answered, to tell whether it can never change again. */
export interface CandleRange {
  stepMs: number;
  /** The query's `from` and `to` (both needed: an open end can grow). */
  from: number | undefined;
  to: number | undefined;
  /** Where the cursor of a later page starts, if one was sent. */
  cursorStart: number | undefined;
  /** Open times of the candles on the page, ascending. */
  openTimes: readonly number[];
  /** The page stopped at its limit (a nextCursor follows). */
  truncated: boolean;
}

/** Open time of the newest candle that has closed at `nowMs` (candles are aligned to the epoch). */
export function newestClosedOpenTime(stepMs: number, nowMs: number): number {
  return Math.floor(nowMs / stepMs) * stepMs - stepMs;
}

/**
 * A range whose `to` is before the newest closed candle and whose page shows every candle of it
 * (none missing, so gap repair cannot add one later) can never change.
 */
export function isClosedCompleteRange(range: CandleRange, nowMs: number): boolean {
  const { stepMs, from, to, openTimes } = range;
  if (from === undefined || to === undefined) {
    return false;
  }
  const lastOpenTime = Math.floor(to / stepMs) * stepMs;
  if (lastOpenTime >= newestClosedOpenTime(stepMs, nowMs)) {
    return false;
  }
  const start = Math.ceil(Math.max(from, range.cursorStart ?? 0) / stepMs) * stepMs;
  if (!openTimes.every((openTime, index) => openTime === start + index * stepMs)) {
    return false;
  }
  // A full page is complete up to its last candle; a last page must reach `to`.
  return range.truncated || openTimes.length === Math.max(0, (lastOpenTime - start) / stepMs + 1);
}

/**
 * The Cache-Control of a per-candle read. When the body reflects the newest closed candle, it
 * stays true until the next close: `max-age` is the time left to it. A body behind the clock (the
 * forecast of the candle that just closed is still being computed, the market lags) or ahead of
 * it (a simulator's own clock) may change at any moment: caches revalidate every time, which the
 * ETag makes a 304.
 */
export function cacheControl(params: {
  shared: boolean;
  content: CandleContent;
  immutable: boolean;
  nowMs: number;
}): string {
  const scope = params.shared ? 'public' : 'private';
  if (params.immutable) {
    return `${scope}, max-age=${IMMUTABLE_MAX_AGE_SECONDS}, immutable`;
  }
  const { stepMs, newestOpenTime } = params.content;
  if (
    stepMs === undefined ||
    newestOpenTime === undefined ||
    newestOpenTime !== newestClosedOpenTime(stepMs, params.nowMs)
  ) {
    return `${scope}, max-age=0, must-revalidate`;
  }
  const nextCloseMs = newestOpenTime + 2 * stepMs;
  return `${scope}, max-age=${Math.floor((nextCloseMs - params.nowMs) / 1000)}`;
}

/**
 * Answers every GET or HEAD whose 200 carries an ETag with 304 and no body when If-None-Match
 * matches; the 304 keeps the ETag, Cache-Control and Vary of the 200, as RFC 9110 15.4.5 asks.
 */
export function registerConditionalGet(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const etag = reply.getHeader('etag');
    const ifNoneMatch = request.headers['if-none-match'];
    if (
      typeof etag !== 'string' ||
      ifNoneMatch === undefined ||
      reply.statusCode !== 200 ||
      (request.method !== 'GET' && request.method !== 'HEAD') ||
      !ifNoneMatchMatches(ifNoneMatch, etag)
    ) {
      return done(null, payload);
    }
    void reply.code(304);
    reply.removeHeader('content-type');
    reply.removeHeader('content-length');
    return done(null, null);
  });
}
