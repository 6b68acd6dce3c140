import type { z } from 'zod';
import {
  SentimentAuthError,
  SentimentPayloadError,
  SentimentRequestError,
  SentimentThrottledError,
  type SentimentSourceName,
} from './sentiment.source';

const DEFAULT_RETRY_AFTER_MS = 60_000;
const MAX_ISSUES_IN_MESSAGE = 3;

/**
 * When a throttled client may call again (epoch ms), from a `Retry-After` header: delay seconds
 * (`120`) or an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`); a missing or unreadable header means
 * `defaultMs` from now.
 */
export function retryAtFrom(
  header: string | null | undefined,
  now: number,
  defaultMs = DEFAULT_RETRY_AFTER_MS,
): number {
  const value = header?.trim() ?? '';
  if (/^\d+(\.\d+)?$/.test(value)) {
    return now + Math.ceil(Number(value) * 1000);
  }
  // An HTTP date names its weekday and month; anything else (`-5`, `soon`) is unreadable.
  const date = /[a-z]/i.test(value) ? Date.parse(value) : Number.NaN;
  return Number.isFinite(date) ? Math.max(now, date) : now + defaultMs;
}

/** `data[3].sentiment: Too big: expected number to be <=100; ...`: where and what, first few. */
export function describeIssues(error: z.ZodError): string {
  const described = error.issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((issue) => {
    const path = issue.path
      .map((key, index) =>
        typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`,
      )
      .join('');
    return `${path || '(root)'}: ${issue.message}`;
  });
  const more = error.issues.length - described.length;
  return described.join('; ') + (more > 0 ? ` (and ${more} more problems)` : '');
}

function bodyExcerpt(text: string): string {
  const compact = text.replace(/\s+/g, ' ').trim();
  return compact.length > 120 ? `${compact.slice(0, 120)}...` : compact;
}

/** The `error` / `message` a JSON error body carries, else the start of the body. */
function errorText(text: string): string {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object') {
      const record = body as Record<string, unknown>;
      const message = record.error ?? record.message;
      if (typeof message === 'string') {
        return message;
      }
    }
  } catch {
    // Not JSON: show the text itself.
  }
  return bodyExcerpt(text);
}

export interface GetJsonParams {
  source: SentimentSourceName;
  /** What is asked, for messages: `LunarCrush BTC time series`. */
  label: string;
  url: string;
  headers?: Record<string, string>;
  timeoutMs: number;
  now: number;
}

/**
 * GETs a JSON document and turns every failure into the source's error classes: 401 / 403 ->
 * `SentimentAuthError`, 429 -> `SentimentThrottledError` (with `retryAt`), other non-2xx and
 * network failures -> `SentimentRequestError`, a body that is not JSON -> `SentimentPayloadError`.
 */
export async function getJson(params: GetJsonParams): Promise<unknown> {
  const { source, label } = params;
  let response: Response;
  let text: string;
  try {
    response = await fetch(params.url, {
      headers: { accept: 'application/json', ...params.headers },
      signal: AbortSignal.timeout(params.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const cause = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new SentimentRequestError(source, `${label}: request failed (${cause})`, {
      permanent: false,
    });
  }
  const status = response.status;
  if (status === 401 || status === 403) {
    throw new SentimentAuthError(
      source,
      status,
      `${label}: the API refused the credentials (HTTP ${status}: ${errorText(text)})`,
    );
  }
  if (status === 429) {
    const retryAt = retryAtFrom(response.headers.get('retry-after'), params.now);
    throw new SentimentThrottledError(
      source,
      retryAt,
      `${label}: rate limit hit (HTTP 429); retry after ${new Date(retryAt).toISOString()}`,
    );
  }
  if (status < 200 || status > 299) {
    throw new SentimentRequestError(source, `${label}: HTTP ${status}: ${errorText(text)}`, {
      status,
      // Server errors and timeouts may pass; any other client error will not.
      permanent: status >= 400 && status < 500 && status !== 408,
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SentimentPayloadError(
      source,
      `${label}: the response is not JSON (${bodyExcerpt(text) || 'empty body'})`,
    );
  }
}
