export type SentimentSourceName = 'lunarcrush' | 'fear-greed';

/** The symbol of market-wide series (the Fear & Greed index is not about one coin). */
export const MARKET_SYMBOL = 'MARKET';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** One bucket of one sentiment series, as every source returns it. */
export interface SentimentPoint {
  source: SentimentSourceName;
  /** Base asset (`BTC`), or `MARKET` for a market-wide series. */
  symbol: string;
  /** Start of the bucket (epoch ms): the hour for LunarCrush, the UTC midnight for Fear & Greed. */
  time: number;
  /** 0-100: LunarCrush's share of positive posts, or the Fear & Greed index value. */
  sentiment: number | null;
  galaxyScore: number | null;
  altRank: number | null;
  interactions: number | null;
  /** Share (%) of all crypto social volume that is about this coin. */
  socialDominance: number | null;
  contributorsActive: number | null;
  postsActive: number | null;
  spam: number | null;
  /** The Fear & Greed label (`Extreme Fear` .. `Extreme Greed`). */
  classification: string | null;
  /** The item as the source sent it, for fields the service does not model yet. */
  raw?: Record<string, unknown>;
}

export interface FetchSentimentParams {
  /** Base asset (`BTC`), or `MARKET` for market-wide sources. */
  symbol: string;
  /** First bucket start wanted (inclusive, epoch ms). */
  from: number;
  /** Last bucket start wanted (inclusive, epoch ms). */
  to: number;
}

export type SourceStatus = { enabled: true } | { enabled: false; reason: string };

/**
 * A social-sentiment provider as the rest of the service sees it. Implementations are picked by
 * config; a disabled one says why (no API key, empty URL) and is skipped by the scheduler.
 */
export interface SentimentSource {
  getName(): SentimentSourceName;
  isEnabled(): SourceStatus;
  /** `coin`: one series per base asset; `market`: one series, symbol `MARKET`. */
  readonly scope: 'coin' | 'market';
  /** Length of one bucket (epoch ms): an hour for LunarCrush, a day for Fear & Greed. */
  readonly granularityMs: number;
  /**
   * Longest range one `fetchRange` call (one HTTP request) may cover: `to - from` must be below
   * it. Callers split longer ranges with `rangeChunks`. `Infinity` when one request serves all.
   */
  readonly maxRangeMs: number;
  /**
   * Closed buckets whose start is in [from, to], ascending, all-or-nothing: a malformed response
   * throws `SentimentPayloadError` and returns nothing.
   */
  fetchRange(params: FetchSentimentParams): Promise<SentimentPoint[]>;
}

/** Splits [from, to] into ranges one `fetchRange` call of `source` accepts, oldest first. */
export function rangeChunks(
  source: Pick<SentimentSource, 'maxRangeMs'>,
  range: { from: number; to: number },
): { from: number; to: number }[] {
  if (range.to < range.from) {
    return [];
  }
  if (!Number.isFinite(source.maxRangeMs)) {
    return [{ from: range.from, to: range.to }];
  }
  const chunks: { from: number; to: number }[] = [];
  for (let from = range.from; from <= range.to; from += source.maxRangeMs) {
    chunks.push({ from, to: Math.min(range.to, from + source.maxRangeMs - 1) });
  }
  return chunks;
}

/** Every error a sentiment source throws; `permanent` ones will not go away by retrying. */
export abstract class SentimentSourceError extends Error {
  abstract readonly permanent: boolean;

  constructor(
    readonly source: SentimentSourceName,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The source refused the credentials (401 / 403). Permanent: disable the source until fixed. */
export class SentimentAuthError extends SentimentSourceError {
  readonly permanent = true;

  constructor(
    source: SentimentSourceName,
    readonly status: number,
    message: string,
  ) {
    super(source, message);
  }
}

/** The source asked us to wait (429). Nobody calls it again before `retryAt` (epoch ms). */
export class SentimentThrottledError extends SentimentSourceError {
  readonly permanent = false;

  constructor(
    source: SentimentSourceName,
    readonly retryAt: number,
    message: string,
  ) {
    super(source, message);
  }
}

/**
 * A request that failed: network error or timeout, 5xx (temporary), other 4xx or a source that is
 * disabled (permanent).
 */
export class SentimentRequestError extends SentimentSourceError {
  readonly permanent: boolean;
  readonly status: number | undefined;

  constructor(
    source: SentimentSourceName,
    message: string,
    options: { status?: number; permanent: boolean },
  ) {
    super(source, message);
    this.status = options.status;
    this.permanent = options.permanent;
  }
}

/**
 * A response that is not what the source documents (not JSON, missing `data`, a field of the
 * wrong type or out of range). Nothing from that response is used. Not permanent: a truncated
 * body goes away on retry; an API change shows up as the same message on every attempt.
 */
export class SentimentPayloadError extends SentimentSourceError {
  readonly permanent = false;
}
