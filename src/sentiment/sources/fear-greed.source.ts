import { Logger } from '@nestjs/common';
import { z } from 'zod';
import { RequestPacer, realSleep, type Clock, type Sleep } from './request-pacer';
import { describeIssues, getJson } from './sentiment-http';
import {
  DAY_MS,
  MARKET_SYMBOL,
  SentimentPayloadError,
  SentimentRequestError,
  SentimentThrottledError,
  type FetchSentimentParams,
  type SentimentPoint,
  type SentimentSource,
  type SentimentSourceName,
  type SourceStatus,
} from './sentiment.source';

const FEAR_GREED_DEFAULT_URL = 'https://api.alternative.me';
/** The labels alternative.me gives the index, from 0 to 100. */
export const FEAR_GREED_CLASSIFICATIONS = [
  'Extreme Fear',
  'Fear',
  'Neutral',
  'Greed',
  'Extreme Greed',
] as const;
export type FearGreedClassification = (typeof FEAR_GREED_CLASSIFICATIONS)[number];
/** The index's first day: asking for anything older means all history (`limit=0`). */
const FEAR_GREED_FIRST_DAY = Date.UTC(2018, 1, 1);
/** alternative.me allows 60 requests a minute; one request serves all history anyway. */
const FEAR_GREED_DEFAULT_REQUESTS_PER_MINUTE = 30;
const DEFAULT_TIMEOUT_MS = 20_000;

export interface FearGreedSourceOptions {
  /**
   * Origin of the API (default `https://api.alternative.me`); an empty string disables the
   * source. Tests point it at a fake.
   */
  apiUrl?: string;
  requestsPerMinute?: number;
  timeoutMs?: number;
  clock?: Clock;
  sleep?: Sleep;
}

/** The API sends numbers as strings (`"40"`); plain numbers are accepted too. */
function numberText(pattern: RegExp, what: string) {
  return z
    .union([z.string().regex(pattern, `expected ${what} as a string`), z.number()])
    .transform(Number);
}

const fearGreedItem = z.looseObject({
  value: numberText(/^\d+(\.\d+)?$/, 'a number').pipe(z.number().min(0).max(100)),
  value_classification: z.enum(FEAR_GREED_CLASSIFICATIONS),
  timestamp: numberText(/^\d+$/, 'unix seconds').pipe(z.number().int().positive()),
});

const fearGreedResponse = z.object({
  data: z.array(fearGreedItem),
  metadata: z.looseObject({ error: z.string().nullish() }).optional(),
});

/** The UTC midnight of the day holding `time` (epoch ms). */
function utcDayStart(time: number): number {
  return Math.floor(time / DAY_MS) * DAY_MS;
}

/**
 * The Crypto Fear & Greed Index from alternative.me (`/fng/`): one market-wide value a day
 * (symbol `MARKET`), newest first. Times are normalised to the UTC midnight of the value's day,
 * the same key the CSV import uses; alternative.me stamps current values at 00:00 UTC (a few
 * values from 2018-2019 carry other hours of the same day, kept in `raw.timestamp`).
 */
export class FearGreedSource implements SentimentSource {
  private readonly logger = new Logger(FearGreedSource.name);
  private readonly clock: Clock;
  private readonly pacer: RequestPacer;
  private pause?: SentimentThrottledError;

  readonly scope = 'market';
  readonly granularityMs = DAY_MS;
  /** `limit=0` returns all history in one request. */
  readonly maxRangeMs = Number.POSITIVE_INFINITY;

  constructor(private readonly options: FearGreedSourceOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.pacer = new RequestPacer({
      requestsPerMinute: options.requestsPerMinute ?? FEAR_GREED_DEFAULT_REQUESTS_PER_MINUTE,
      clock: this.clock,
      sleep: options.sleep ?? realSleep,
    });
  }

  getName(): SentimentSourceName {
    return 'fear-greed';
  }

  isEnabled(): SourceStatus {
    if (this.options.apiUrl !== undefined && this.options.apiUrl.trim() === '') {
      return {
        enabled: false,
        reason: 'Fear & Greed is disabled: FEAR_GREED_API_URL is off',
      };
    }
    return { enabled: true };
  }

  get blockedUntil(): number {
    return this.pause && this.pause.retryAt > this.clock() ? this.pause.retryAt : 0;
  }

  private get apiUrl(): string {
    return (this.options.apiUrl ?? FEAR_GREED_DEFAULT_URL).trim().replace(/\/+$/, '');
  }

  async fetchRange(params: FetchSentimentParams): Promise<SentimentPoint[]> {
    const status = this.isEnabled();
    if (!status.enabled) {
      throw new SentimentRequestError('fear-greed', status.reason, { permanent: true });
    }
    if (params.symbol.trim().toUpperCase() !== MARKET_SYMBOL) {
      throw new RangeError(
        `Fear & Greed is market-wide: ask for symbol ${MARKET_SYMBOL}, not "${params.symbol}"`,
      );
    }
    if (!Number.isFinite(params.from) || !Number.isFinite(params.to)) {
      throw new RangeError(`Fear & Greed needs from and to as epoch milliseconds`);
    }
    const today = utcDayStart(this.clock());
    const first = Math.ceil(params.from / DAY_MS) * DAY_MS;
    const last = utcDayStart(Math.min(params.to, today));
    if (last < first) {
      return [];
    }
    if (this.blockedUntil > 0 && this.pause) {
      throw this.pause;
    }
    // Newest first from today: enough values to reach `first`, one spare for a server clock a
    // day ahead of ours.
    const limit = first <= FEAR_GREED_FIRST_DAY ? 0 : (today - first) / DAY_MS + 2;
    await this.pacer.acquire();

    const label = `Fear & Greed index (limit ${limit})`;
    const url = new URL(`${this.apiUrl}/fng/`);
    url.searchParams.set('limit', String(limit));
    url.searchParams.set('format', 'json');
    let body: unknown;
    try {
      body = await getJson({
        source: 'fear-greed',
        label,
        url: url.toString(),
        timeoutMs: this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        now: this.clock(),
      });
    } catch (error) {
      if (error instanceof SentimentThrottledError) {
        this.pause = error;
        this.logger.warn(`${error.message}; pausing every Fear & Greed request until then`);
      }
      throw error;
    }
    return this.parse(body, { label, first, last });
  }

  private parse(
    body: unknown,
    request: { label: string; first: number; last: number },
  ): SentimentPoint[] {
    const { label } = request;
    const apiError = (body as { metadata?: { error?: unknown } } | null)?.metadata?.error;
    if (typeof apiError === 'string' && apiError !== '') {
      throw new SentimentRequestError('fear-greed', `${label}: the API says "${apiError}"`, {
        permanent: false,
      });
    }
    const parsed = fearGreedResponse.safeParse(body);
    if (!parsed.success) {
      throw new SentimentPayloadError(
        'fear-greed',
        `${label} is malformed: ${describeIssues(parsed.error)}`,
      );
    }
    // `raw` keeps the items as sent (strings), not as parsed.
    const sent = (body as { data: Record<string, unknown>[] }).data;
    const seen = new Map<number, number>();
    const points: SentimentPoint[] = [];
    parsed.data.data.forEach((item, index) => {
      const time = utcDayStart(item.timestamp * 1000);
      const previous = seen.get(time);
      if (previous !== undefined) {
        throw new SentimentPayloadError(
          'fear-greed',
          `${label} is malformed: data[${index}] and data[${previous}] are both for ${new Date(time).toISOString().slice(0, 10)}`,
        );
      }
      seen.set(time, index);
      if (time >= request.first && time <= request.last) {
        points.push(
          fearGreedPoint({
            time,
            value: item.value,
            classification: item.value_classification,
            raw: sent[index],
          }),
        );
      }
    });
    return points.sort((a, b) => a.time - b.time);
  }
}

/** A Fear & Greed value as a sentiment point (symbol `MARKET`, no social metrics). */
export function fearGreedPoint(params: {
  time: number;
  value: number;
  classification: FearGreedClassification;
  raw?: Record<string, unknown>;
}): SentimentPoint {
  return {
    source: 'fear-greed',
    symbol: MARKET_SYMBOL,
    time: params.time,
    sentiment: params.value,
    galaxyScore: null,
    altRank: null,
    interactions: null,
    socialDominance: null,
    contributorsActive: null,
    postsActive: null,
    spam: null,
    classification: params.classification,
    ...(params.raw ? { raw: params.raw } : {}),
  };
}
