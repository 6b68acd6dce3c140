import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { readFearGreedCsv } from '../../src/sentiment/import/fear-greed-csv.reader';
import { FakeHttpApi } from './fake-http-api';

export const FEAR_GREED_FIXTURE = join(
  __dirname,
  '..',
  'fixtures',
  'sentiment',
  'fear-greed-2021-01-01_2021-03-31.csv',
);

/** Ways `malformNext` breaks the next `/fng/` response (status stays 200). */
export type FearGreedMalformation =
  | 'not-json'
  | 'missing-data'
  | 'value-not-number'
  | 'value-out-of-range'
  | 'bad-timestamp'
  | 'unknown-classification'
  | 'api-error';

export interface FakeFearGreedRequest {
  path: string;
  query: Record<string, string>;
}

/** One value as the fake holds it: the UTC midnight it is stamped with. */
export interface FearGreedRow {
  time: number;
  value: number;
  classification: string;
}

/**
 * A fake alternative.me Fear & Greed API for tests: `GET /fng/?limit=<n>&format=json` with the
 * real string-typed shape (`{name, data: [{value, value_classification, timestamp,
 * time_until_update}], metadata: {error}}`), newest first, `limit` honoured (absent: 1, `0`: all).
 * Serves the rows of a Fear & Greed CSV (by default the 2021-01 .. 2021-03 fixture); "today" is
 * the newest row. Faults: `failNext` (any status, optional Retry-After) and `malformNext`.
 */
export class FakeFearGreed extends FakeHttpApi<FearGreedMalformation> {
  readonly requests: FakeFearGreedRequest[] = [];

  private constructor(
    /** Newest first, as the API serves them. */
    readonly rows: readonly FearGreedRow[],
  ) {
    super();
  }

  static async start(options: { csvPath?: string } = {}): Promise<FakeFearGreed> {
    const path = options.csvPath ?? FEAR_GREED_FIXTURE;
    const csv = await readFearGreedCsv(path);
    if (csv.rejected.length > 0) {
      throw new Error(`${path} has rejected rows: ${JSON.stringify(csv.rejected)}`);
    }
    const rows = csv.points
      .map((point) => ({
        time: point.time,
        value: point.sentiment ?? 0,
        classification: point.classification ?? '',
      }))
      .reverse();
    const fake = new FakeFearGreed(rows);
    await fake.listen();
    return fake;
  }

  protected handle(request: IncomingMessage, response: ServerResponse): void {
    const url = new URL(request.url ?? '/', 'http://fake');
    this.requests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams) });
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
      response.end(typeof body === 'string' ? body : JSON.stringify(body, null, 2));
    };

    const failure = this.takeFailure();
    if (failure) {
      send(
        failure.status,
        failure.status === 429 ? 'Too Many Requests' : `Error ${failure.status}`,
        {
          'content-type': 'text/plain',
          ...(failure.retryAfter === undefined ? {} : { 'retry-after': failure.retryAfter }),
        },
      );
      return;
    }
    if (url.pathname !== '/fng/' && url.pathname !== '/fng') {
      send(404, { error: 'Not found' });
      return;
    }
    const limitText = url.searchParams.get('limit') ?? '1';
    if (!/^\d+$/.test(limitText)) {
      send(200, {
        name: 'Fear and Greed Index',
        data: [],
        metadata: { error: 'Limit must be an integer' },
      });
      return;
    }
    const limit = Number(limitText);
    const rows = limit === 0 ? this.rows : this.rows.slice(0, limit);
    const data: Record<string, unknown>[] = rows.map((row, index) => ({
      value: String(row.value),
      value_classification: row.classification,
      timestamp: String(row.time / 1000),
      ...(index === 0
        ? {
            time_until_update: String(
              Math.max(0, Math.floor((row.time + 86_400_000 - Date.now()) / 1000)),
            ),
          }
        : {}),
    }));
    const body = { name: 'Fear and Greed Index', data, metadata: { error: null } };
    const kind = this.takeMalformation();
    if (kind === undefined) {
      send(200, body);
      return;
    }
    const spoilFirst = (field: string, value: unknown) =>
      send(200, { ...body, data: [{ ...data[0], [field]: value }, ...data.slice(1)] });
    switch (kind) {
      case 'not-json':
        send(200, '<html><body>Service Unavailable</body></html>', { 'content-type': 'text/html' });
        return;
      case 'missing-data':
        send(200, { name: 'Fear and Greed Index', metadata: { error: null } });
        return;
      case 'value-not-number':
        spoilFirst('value', 'n/a');
        return;
      case 'value-out-of-range':
        spoilFirst('value', '140');
        return;
      case 'bad-timestamp':
        spoilFirst('timestamp', '2021-03-31');
        return;
      case 'unknown-classification':
        spoilFirst('value_classification', 'Euphoria');
        return;
      case 'api-error':
        send(200, {
          name: 'Fear and Greed Index',
          data: [],
          metadata: { error: 'Service temporarily unavailable' },
        });
        return;
    }
  }
}
