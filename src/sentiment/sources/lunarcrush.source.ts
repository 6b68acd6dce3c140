import { z } from 'zod';
import {
  PacedHttpSource,
  type BucketRange,
  type LabelledRange,
  type PacedHttpSourceOptions,
  type SourceRequest,
} from './paced-http.source';
import {
  DAY_MS,
  HOUR_MS,
  type SentimentPoint,
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
/** `requestsPerMinute` unless configured: the Individual plan's limit. */
const LUNARCRUSH_DEFAULT_REQUESTS_PER_MINUTE = 10;

export interface LunarCrushSourceOptions extends PacedHttpSourceOptions {
  /** API v4 bearer key; the source is disabled without one. */
  apiKey?: string;
  /** Origin of the API (default `https://lunarcrush.com`); tests point it at a fake. */
  apiUrl?: string;
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
 * bearer key).
 */
export class LunarCrushSource extends PacedHttpSource {
  private readonly apiUrl: string;

  readonly scope = 'coin';
  readonly granularityMs = HOUR_MS;
  readonly maxRangeMs = LUNARCRUSH_MAX_RANGE_MS;
  protected readonly title = 'LunarCrush';

  constructor(private readonly options: LunarCrushSourceOptions = {}) {
    super(options, LUNARCRUSH_DEFAULT_REQUESTS_PER_MINUTE);
    this.apiUrl = (options.apiUrl ?? LUNARCRUSH_DEFAULT_URL).replace(/\/+$/, '');
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

  /** Only closed buckets: the one still filling would change after we stored it. */
  protected newestBucket(now: number): number {
    return Math.floor(now / HOUR_MS) * HOUR_MS - HOUR_MS;
  }

  protected request({ symbol, first, last }: BucketRange): SourceRequest {
    const url = new URL(
      `${this.apiUrl}/api4/public/coins/${encodeURIComponent(symbol)}/time-series/v2`,
    );
    url.searchParams.set('bucket', 'hour');
    url.searchParams.set('start', String(first / 1000));
    url.searchParams.set('end', String(last / 1000));
    return {
      label: `LunarCrush ${symbol} hourly time series`,
      url,
      headers: { authorization: `Bearer ${this.options.apiKey?.trim() ?? ''}` },
    };
  }

  protected parse(body: unknown, request: LabelledRange): SentimentPoint[] {
    const { symbol, label } = request;
    const { config, data } = this.validate(timeSeriesResponse, body, label);
    if (config?.bucket !== undefined && config.bucket !== 'hour') {
      throw this.malformed(label, `config.bucket is "${config.bucket}", expected "hour"`);
    }
    if (config?.symbol !== undefined && config.symbol.toUpperCase() !== symbol) {
      throw this.malformed(label, `config.symbol is "${config.symbol}", expected "${symbol}"`);
    }
    const seen = new Set<number>();
    const points: SentimentPoint[] = [];
    data.forEach((item, index) => {
      if ((item.time * 1000) % HOUR_MS !== 0) {
        throw this.malformed(label, `data[${index}].time ${item.time} is not on an hour boundary`);
      }
      if (seen.has(item.time)) {
        throw this.malformed(label, `data[${index}].time ${item.time} appears twice`);
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
