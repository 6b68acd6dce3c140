import type { ErrorBody } from './types';

/**
 * An API error as the dashboard shows it: the HTTP status, the API's code and message, and the
 * request id to quote (the same id is in the server's log line). Status 0: no answer at all.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Query = Record<string, string | number | boolean | null | undefined>;

export interface ApiClient {
  /** The key requests carry, or null (reads allowed by PUBLIC_READ). */
  readonly key: string | null;
  get<T>(path: string, query?: Query, signal?: AbortSignal): Promise<T>;
  /** POST with a fresh Idempotency-Key, so a retried click never starts a job twice. */
  post<T>(path: string, body?: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  delete<T>(path: string): Promise<T>;
}

function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === 'object' && value !== null && 'message' in value && 'statusCode' in value;
}

/** Builds `path?query` leaving out empty values. */
function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') {
      params.set(name, String(value));
    }
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** The REST client: every call sends `x-api-key` when there is a key, and throws `ApiError`. */
export function createApiClient(key: string | null, origin = ''): ApiClient {
  const request = async <T>(method: string, path: string, init: RequestInit): Promise<T> => {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (key) {
      headers['x-api-key'] = key;
    }
    if (init.body !== undefined) {
      headers['content-type'] = 'application/json';
    }
    if (method === 'POST') {
      headers['idempotency-key'] = crypto.randomUUID();
    }
    let response: Response;
    try {
      response = await fetch(`${origin}${path}`, { ...init, method, headers });
    } catch (error) {
      if ((error as Error).name === 'AbortError') {
        throw error;
      }
      throw new ApiError(0, 'NETWORK', `The API did not answer ${method} ${path}`, null);
    }
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    if (!response.ok) {
      const requestId = response.headers.get('x-request-id');
      if (isErrorBody(body)) {
        throw new ApiError(
          response.status,
          body.code,
          body.message,
          body.requestId ?? requestId,
          body.details,
        );
      }
      throw new ApiError(
        response.status,
        'HTTP_ERROR',
        `${method} ${path} answered ${response.status} ${response.statusText}`,
        requestId,
      );
    }
    return body as T;
  };
  return {
    key,
    get: (path, query, signal) => request('GET', withQuery(path, query), { signal }),
    post: (path, body) => request('POST', path, { body: JSON.stringify(body ?? {}) }),
    patch: (path, body) => request('PATCH', path, { body: JSON.stringify(body) }),
    delete: (path) => request('DELETE', path, {}),
  };
}
