import { Logger } from '@nestjs/common';
import type { z } from 'zod';
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

const DEFAULT_TIMEOUT_MS = 20_000;

/** What every paced HTTP source takes besides its URL and credentials. */
export interface PacedHttpSourceOptions {
  /** The source never starts more requests than this in a rolling minute. */
  requestsPerMinute?: number;
  timeoutMs?: number;
  clock?: Clock;
  sleep?: Sleep;
}

/** The buckets one `fetchRange` call asks for (bucket starts, epoch ms). */
export interface BucketRange {
  /** Upper-cased: `BTC`, or `MARKET`. */
  symbol: string;
  first: number;
  last: number;
  /** The newest bucket the source serves now. */
  newest: number;
}

export interface LabelledRange extends BucketRange {
  /** What was asked, for messages: `LunarCrush BTC hourly time series`. */
  label: string;
}

/** One GET to the source; `label` names what is asked in messages. */
export interface SourceRequest {
  label: string;
  url: URL;
  headers?: Record<string, string>;
}

/**
 * A sentiment source that answers one HTTP GET per `fetchRange`: paces itself to
 * `requestsPerMinute`, and after a 429 refuses to call again before the `Retry-After` time,
 * throwing the same `SentimentThrottledError` without a request. A subclass says what it is, builds
 * the request and reads the answer.
 */
export abstract class PacedHttpSource implements SentimentSource {
  private readonly logger = new Logger(this.constructor.name);
  protected readonly clock: Clock;
  private readonly pacer: RequestPacer;
  private readonly timeoutMs: number;
  /** Shared by every request: nobody calls the source before `pause.retryAt`. */
  private pause?: SentimentThrottledError;

  abstract readonly scope: 'coin' | 'market';
  abstract readonly granularityMs: number;
  abstract readonly maxRangeMs: number;
  /** The source as messages name it: `LunarCrush`. */
  protected abstract readonly title: string;

  protected constructor(options: PacedHttpSourceOptions, defaultRequestsPerMinute: number) {
    this.clock = options.clock ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.pacer = new RequestPacer({
      requestsPerMinute: options.requestsPerMinute ?? defaultRequestsPerMinute,
      clock: this.clock,
      sleep: options.sleep ?? realSleep,
    });
  }

  abstract getName(): SentimentSourceName;
  abstract isEnabled(): SourceStatus;
  /** Start of the newest bucket the source serves at `now` (epoch ms). */
  protected abstract newestBucket(now: number): number;
  protected abstract request(range: BucketRange): SourceRequest;
  protected abstract parse(body: unknown, request: LabelledRange): SentimentPoint[];

  /** Epoch ms until which the source asked us to stay away (0 when free to call). */
  get blockedUntil(): number {
    return this.pause && this.pause.retryAt > this.clock() ? this.pause.retryAt : 0;
  }

  async fetchRange(params: FetchSentimentParams): Promise<SentimentPoint[]> {
    const source = this.getName();
    const status = this.isEnabled();
    if (!status.enabled) {
      throw new SentimentRequestError(source, status.reason, { permanent: true });
    }
    const symbol = this.checkedSymbol(params.symbol);
    if (!Number.isFinite(params.from) || !Number.isFinite(params.to)) {
      throw new RangeError(`${this.title} needs from and to as epoch milliseconds`);
    }
    if (params.to - params.from >= this.maxRangeMs) {
      throw new RangeError(
        `${this.title} requests cover less than ${this.maxRangeMs / DAY_MS} days; split the range with rangeChunks`,
      );
    }
    const bucketMs = this.granularityMs;
    const newest = this.newestBucket(this.clock());
    const first = Math.ceil(params.from / bucketMs) * bucketMs;
    const last = Math.floor(Math.min(params.to, newest) / bucketMs) * bucketMs;
    if (last < first) {
      return [];
    }
    if (this.blockedUntil > 0 && this.pause) {
      throw this.pause;
    }
    await this.pacer.acquire();

    const range = { symbol, first, last, newest };
    const { label, url, headers } = this.request(range);
    let body: unknown;
    try {
      body = await getJson({
        source,
        label,
        url: url.toString(),
        headers,
        timeoutMs: this.timeoutMs,
        now: this.clock(),
      });
    } catch (error) {
      if (error instanceof SentimentThrottledError) {
        this.pause = error;
        this.logger.warn(`${error.message}; pausing every ${this.title} request until then`);
      }
      throw error;
    }
    return this.parse(body, { ...range, label });
  }

  /** The body as `schema` reads it; a body that does not fit is malformed. */
  protected validate<T>(schema: z.ZodType<T>, body: unknown, label: string): T {
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw this.malformed(label, describeIssues(parsed.error));
    }
    return parsed.data;
  }

  protected malformed(label: string, problem: string): SentimentPayloadError {
    return new SentimentPayloadError(this.getName(), `${label} is malformed: ${problem}`);
  }

  /** `MARKET` for a market-wide source, else a coin symbol such as `BTC`, upper-cased. */
  private checkedSymbol(requested: string): string {
    const symbol = requested.trim().toUpperCase();
    if (this.scope === 'market' && symbol !== MARKET_SYMBOL) {
      throw new RangeError(
        `${this.title} is market-wide: ask for symbol ${MARKET_SYMBOL}, not "${requested}"`,
      );
    }
    if (this.scope === 'coin' && !/^[A-Z0-9]{1,20}$/.test(symbol)) {
      throw new RangeError(`${this.title} needs a coin symbol such as BTC, got "${requested}"`);
    }
    return symbol;
  }
}
