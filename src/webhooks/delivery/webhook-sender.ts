import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { WebhookUrlError, hostOf, type WebhookUrlGuard } from './webhook-url-guard';

export interface SendResult {
  /** Only a 2xx answer is a success; redirects are not followed and count as failures. */
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  error: string | null;
  /** Seconds the receiver asked us to wait (`Retry-After` on 429 and 5xx), if it said. */
  retryAfterMs: number | null;
  responseExcerpt: string | null;
}

const EXCERPT_BYTES = 500;
const USER_AGENT = 'crypto-freq-trade-webhooks/0.1 (+https://www.standardwebhooks.com)';

/** `Retry-After` as seconds or an HTTP date, in milliseconds from now; null when absent or bad. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | null {
  if (!value) {
    return null;
  }
  if (/^\d+$/.test(value.trim())) {
    return Number(value.trim()) * 1000;
  }
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** A signed body to POST to a receiver, within `timeoutMs`, to addresses `guard` accepts. */
export interface WebhookPost {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  guard: WebhookUrlGuard;
}

/**
 * One POST of a signed body to a receiver, with the whole exchange bounded by `timeoutMs`, the
 * connection pinned to addresses the guard accepted, no redirects, and only the first bytes of
 * the answer read.
 */
export async function sendWebhook(params: WebhookPost): Promise<SendResult> {
  // A host name is checked by the connection's own lookup; an IP literal never goes through it.
  const host = hostOf(new URL(params.url));
  if (isIP(host)) {
    try {
      await params.guard.addressesFor(host);
    } catch (error) {
      if (error instanceof WebhookUrlError) {
        return refused(error);
      }
      throw error;
    }
  }
  return post(params);
}

/**
 * The start of a receiver's answer as text PostgreSQL stores (its jsonb refuses NUL and lone
 * UTF-16 surrogates, and one refused row fails the whole batch of attempts being recorded):
 * decoding bytes, a multi-byte character cut at the limit or any invalid sequence becomes U+FFFD
 * instead of half a surrogate pair; NULs are dropped. Null for an empty answer.
 */
export function storableText(bytes: Buffer): string | null {
  return bytes.toString('utf8').replaceAll('\u0000', '') || null;
}

function refused(error: WebhookUrlError): SendResult {
  return {
    ok: false,
    statusCode: null,
    durationMs: 0,
    error: `refused: ${error.message}`,
    retryAfterMs: null,
    responseExcerpt: null,
  };
}

function post(params: WebhookPost): Promise<SendResult> {
  const startedAt = performance.now();
  const url = new URL(params.url);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<SendResult, 'durationMs'>) => {
      if (settled) {
        return;
      }
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: Math.round(performance.now() - startedAt) });
    };
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          ...params.headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(params.body)),
          'user-agent': USER_AGENT,
        },
        lookup: params.guard.lookupFor(),
        // A fresh connection per attempt: a pooled socket would skip the address check.
        agent: false,
      },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const statusCode = response.statusCode ?? 0;
        const done = () => {
          const ok = statusCode >= 200 && statusCode < 300;
          const excerpt = storableText(Buffer.concat(chunks).subarray(0, EXCERPT_BYTES));
          finish({
            ok,
            statusCode,
            error: ok ? null : failureText(statusCode, response.headers.location),
            retryAfterMs:
              statusCode === 429 || statusCode >= 500
                ? parseRetryAfter(response.headers['retry-after'])
                : null,
            responseExcerpt: excerpt,
          });
          response.destroy();
        };
        response.on('data', (chunk: Buffer) => {
          if (size < EXCERPT_BYTES) {
            chunks.push(chunk);
          }
          size += chunk.length;
          if (size >= EXCERPT_BYTES) {
            done();
          }
        });
        response.on('end', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      finish({
        ok: false,
        statusCode: null,
        error: `no answer within ${params.timeoutMs} ms`,
        retryAfterMs: null,
        responseExcerpt: null,
      });
      req.destroy();
    }, params.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) =>
      error instanceof WebhookUrlError
        ? finish(refused(error))
        : finish({
            ok: false,
            statusCode: null,
            error: error.code ? `${error.code}: ${error.message}` : error.message,
            retryAfterMs: null,
            responseExcerpt: null,
          }),
    );
    req.end(params.body);
  });
}

function failureText(statusCode: number, location: string | undefined): string {
  if (statusCode >= 300 && statusCode < 400) {
    return `receiver answered ${statusCode} (redirect to ${location ?? '?'}); redirects are not followed`;
  }
  return `receiver answered ${statusCode}`;
}
