import { Logger } from '@nestjs/common';
import { z } from 'zod';
import { RequestPacer, realSleep, type Clock, type Sleep } from './request-pacer';
import { describeIssues, getJson } from './sentiment-http';
import {
  DAY_MS,
  HOUR_MS,
  SentimentPayloadError,
  SentimentRequestError,
  SentimentThrottledError,
  type FetchSentimentParams,
  type SentimentPoint,
  type SentimentSource,
  type SentimentSourceName,
  type SourceStatus,
} from './sentiment.source';

const LUNARCRUSH_DEFAULT_URL = 'https://lunarcrush.com';

/**
 * One request asks for at most 30 days of hourly buckets (720 points, a few hundred kB of JSON).
 * LunarCrush documents no per-request cap for `bucket=hour`, but the budget that binds is the
 * request count (10 a minute and 2,000 a day on the Individual plan), so each request should
 * carry as much history as the API reliably returns: a year of history is 13 requests, about 1.3
 * minutes of budget, and the hourly poll (a few hours) is always one request. A month keeps a
 * response small enough that a truncated or rejected one costs little to fetch again.
 */
export const LUNARCRUSH_MAX_RANGE_MS = 30 * DAY_MS;
const LUNARCRUSH_DEFAULT_REQUESTS_PER_MINUTE = 10;
const DEFAULT_TIMEOUT_MS = 20_000;

export interface LunarCrushSourceOptions {
  /** API v4 bearer key; the source is disabled without one. */
  apiKey?: string;
  /** Origin of the API (default `https://lunarcrush.com`); tests point it at a fake. */
  apiUrl?: string;
  /** The source never starts more requests than this in a rolling minute (default 10). */
  requestsPerMinute?: number;
  timeoutMs?: number;
  clock?: Clock;
  sleep?: Sleep;
}

const percent = z.number().min(0).max(100);
const count = z.number().min(0);

/** One hourly bucket of `/coins/:coin/time-series/v2`; metrics may be absent or null. */
const timeSeriesItem = z.looseObject({
  time: z.number().int().positive(),
  sentiment: percent.nullish(),
  galaxy_score: percent.nullish(),
  alt_rank: count.nullish(),
  interactions: count.nullish(),
  social_dominance: percent.nullish(),
  contributors_active: count.nullish(),
  posts_active: count.nullish(),
  spam: count.nullish(),
});

const timeSeriesResponse = z.object({
  config: z
    .looseObject({ symbol: z.string().optional(), bucket: z.string().optional() })
    .optional(),
  data: z.array(timeSeriesItem),
});

type TimeSeriesItem = z.infer<typeof timeSeriesItem>;

function pointFromItem(symbol: string, item: TimeSeriesItem): SentimentPoint {
  return {
    source: 'lunarcrush',
    symbol,
    time: item.time * 1000,
    sentiment: item.sentiment ?? null,
    galaxyScore: item.galaxy_score ?? null,
    altRank: item.alt_rank ?? null,
    interactions: item.interactions ?? null,
    socialDominance: item.social_dominance ?? null,
    contributorsActive: item.contributors_active ?? null,
    postsActive: item.posts_active ?? null,
    spam: item.spam ?? null,
    classification: null,
    raw: item,
  };
}

/**
 * Hourly social metrics from LunarCrush API v4 (`/api4/public/coins/:coin/time-series/v2`,
 * bearer key). Paces itself to `requestsPerMinute`, and after a 429 refuses to call again before
 * the `Retry-After` time, throwing the same `SentimentThrottledError` without a request.
 */
export class LunarCrushSource implements SentimentSource {
  private readonly logger = new Logger(LunarCrushSource.name);
  private readonly clock: Clock;
  private readonly pacer: RequestPacer;
  private readonly apiUrl: string;
  /** Shared by every request: nobody calls LunarCrush before `pause.retryAt`. */
  private pause?: SentimentThrottledError;

  readonly scope = 'coin';
  readonly granularityMs = HOUR_MS;
  readonly maxRangeMs = LUNARCRUSH_MAX_RANGE_MS;

  constructor(private readonly options: LunarCrushSourceOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.apiUrl = (options.apiUrl ?? LUNARCRUSH_DEFAULT_URL).replace(/\/+$/, '');
    this.pacer = new RequestPacer({
      requestsPerMinute: options.requestsPerMinute ?? LUNARCRUSH_DEFAULT_REQUESTS_PER_MINUTE,
      clock: this.clock,
      sleep: options.sleep ?? realSleep,
    });
  }

  getName(): SentimentSourceName {
    return 'lunarcrush';
  }

  isEnabled(): SourceStatus {
    if (!this.options.apiKey?.trim()) {
      return {
        enabled: false,
        reason: 'LunarCrush is disabled: no API key is configured (set LUNARCRUSH_API_KEY)',
      };
    }
    return { enabled: true };
  }

  /** Epoch ms until which LunarCrush asked us to stay away (0 when free to call). */
  get blockedUntil(): number {
    return this.pause && this.pause.retryAt > this.clock() ? this.pause.retryAt : 0;
  }

  async fetchRange(params: FetchSentimentParams): Promise<SentimentPoint[]> {
    const status = this.isEnabled();
    if (!status.enabled) {
      throw new SentimentRequestError('lunarcrush', status.reason, { permanent: true });
    }
    const symbol = params.symbol.trim().toUpperCase();
    if (!/^[A-Z0-9]{1,20}$/.test(symbol)) {
      throw new RangeError(`LunarCrush needs a coin symbol such as BTC, got "${params.symbol}"`);
    }
    if (!Number.isFinite(params.from) || !Number.isFinite(params.to)) {
      throw new RangeError(`LunarCrush needs from and to as epoch milliseconds`);
    }
    if (params.to - params.from >= this.maxRangeMs) {
      throw new RangeError(
        `LunarCrush requests cover less than ${this.maxRangeMs / DAY_MS} days; split the range with rangeChunks`,
      );
    }
    // Only closed buckets: the one still filling would change after we stored it.
    const lastClosed = Math.floor(this.clock() / HOUR_MS) * HOUR_MS - HOUR_MS;
    const first = Math.ceil(params.from / HOUR_MS) * HOUR_MS;
    const last = Math.floor(Math.min(params.to, lastClosed) / HOUR_MS) * HOUR_MS;
    if (last < first) {
      return [];
    }
    if (this.blockedUntil > 0 && this.pause) {
      throw this.pause;
    }
    await this.pacer.acquire();

    const label = `LunarCrush ${symbol} hourly time series`;
    const url = new URL(
      `${this.apiUrl}/api4/public/coins/${encodeURIComponent(symbol)}/time-series/v2`,
    );
    url.searchParams.set('bucket', 'hour');
    url.searchParams.set('start', String(first / 1000));
    url.searchParams.set('end', String(last / 1000));
    let body: unknown;
    try {
      body = await getJson({
        source: 'lunarcrush',
        label,
        url: url.toString(),
        headers: { authorization: `Bearer ${this.options.apiKey?.trim() ?? ''}` },
        timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        now: this.clock(),
      });
    } catch (error) {
      if (error instanceof SentimentThrottledError) {
        this.pause = error;
        this.logger.warn(`${error.message}; pausing every LunarCrush request until then`);
      }
      throw error;
    }
    return this.parse(body, { symbol, label, first, last });
  }

  private parse(
    body: unknown,
    request: { symbol: string; label: string; first: number; last: number },
  ): SentimentPoint[] {
    const { symbol, label } = request;
    const parsed = timeSeriesResponse.safeParse(body);
    if (!parsed.success) {
      throw new SentimentPayloadError(
        'lunarcrush',
        `${label} is malformed: ${describeIssues(parsed.error)}`,
      );
    }
    const { config, data } = parsed.data;
    if (config?.bucket !== undefined && config.bucket !== 'hour') {
      throw new SentimentPayloadError(
        'lunarcrush',
        `${label} is malformed: config.bucket is "${config.bucket}", expected "hour"`,
      );
    }
    if (config?.symbol !== undefined && config.symbol.toUpperCase() !== symbol) {
      throw new SentimentPayloadError(
        'lunarcrush',
        `${label} is malformed: config.symbol is "${config.symbol}", expected "${symbol}"`,
      );
    }
    const seen = new Set<number>();
    const points: SentimentPoint[] = [];
    data.forEach((item, index) => {
      if ((item.time * 1000) % HOUR_MS !== 0) {
        throw new SentimentPayloadError(
          'lunarcrush',
          `${label} is malformed: data[${index}].time ${item.time} is not on an hour boundary`,
        );
      }
      if (seen.has(item.time)) {
        throw new SentimentPayloadError(
          'lunarcrush',
          `${label} is malformed: data[${index}].time ${item.time} appears twice`,
        );
      }
      seen.add(item.time);
      const point = pointFromItem(symbol, item);
      if (point.time >= request.first && point.time <= request.last) {
        points.push(point);
      }
    });
    return points.sort((a, b) => a.time - b.time);
  }
}
