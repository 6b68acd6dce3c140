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
  MARKET_SYMBOL,
  SentimentRequestError,
  type SentimentPoint,
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

export interface FearGreedSourceOptions extends PacedHttpSourceOptions {
  /**
   * Origin of the API (default `https://api.alternative.me`); an empty string disables the
   * source. Tests point it at a fake.
   */
  apiUrl?: string;
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
export class FearGreedSource extends PacedHttpSource {
  readonly scope = 'market';
  readonly granularityMs = DAY_MS;
  /** `limit=0` returns all history in one request. */
  readonly maxRangeMs = Number.POSITIVE_INFINITY;
  protected readonly title = 'Fear & Greed';

  constructor(private readonly options: FearGreedSourceOptions = {}) {
    super(options, FEAR_GREED_DEFAULT_REQUESTS_PER_MINUTE);
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

  private get apiUrl(): string {
    return (this.options.apiUrl ?? FEAR_GREED_DEFAULT_URL).trim().replace(/\/+$/, '');
  }

  /** Today: alternative.me stamps the day's value at its UTC midnight. */
  protected newestBucket(now: number): number {
    return utcDayStart(now);
  }

  protected request({ first, newest }: BucketRange): SourceRequest {
    // Newest first from today: enough values to reach `first`, one spare for a server clock a
    // day ahead of ours.
    const limit = first <= FEAR_GREED_FIRST_DAY ? 0 : (newest - first) / DAY_MS + 2;
    const url = new URL(`${this.apiUrl}/fng/`);
    url.searchParams.set('limit', String(limit));
    url.searchParams.set('format', 'json');
    return { label: `Fear & Greed index (limit ${limit})`, url };
  }

  protected parse(body: unknown, request: LabelledRange): SentimentPoint[] {
    const { label } = request;
    const apiError = (body as { metadata?: { error?: unknown } } | null)?.metadata?.error;
    if (typeof apiError === 'string' && apiError !== '') {
      throw new SentimentRequestError('fear-greed', `${label}: the API says "${apiError}"`, {
        permanent: false,
      });
    }
    const response = this.validate(fearGreedResponse, body, label);
    // `raw` keeps the items as sent (strings), not as parsed.
    const sent = (body as { data: Record<string, unknown>[] }).data;
    const seen = new Map<number, number>();
    const points: SentimentPoint[] = [];
    response.data.forEach((item, index) => {
      const time = utcDayStart(item.timestamp * 1000);
      const previous = seen.get(time);
      if (previous !== undefined) {
        throw this.malformed(
          label,
          `data[${index}] and data[${previous}] are both for ${new Date(time).toISOString().slice(0, 10)}`,
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
