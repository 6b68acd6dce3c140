import { Logger } from '@nestjs/common';
import { FakeFearGreed } from '../../../test/fakes/fake-fear-greed';
import { FakeLunarCrush } from '../../../test/fakes/fake-lunarcrush';
import { FearGreedSource } from './fear-greed.source';
import { LunarCrushSource } from './lunarcrush.source';
import type { PacedHttpSource } from './paced-http.source';
import type { Clock, Sleep } from './request-pacer';
import {
  SentimentPayloadError,
  SentimentRequestError,
  SentimentThrottledError,
  type FetchSentimentParams,
  type SentimentSourceName,
} from './sentiment.source';
import { fakeTime, rejectionOf } from './source-spec-support';

/** What the shared scenarios use of a fake API (`test/fakes/`). */
interface FakeApi {
  readonly url: string;
  readonly requests: unknown[];
  failNext(status: number, options?: { retryAfterSeconds?: number; retryAfterDate?: Date }): void;
  malformNext(kind: string): void;
  close(): Promise<void>;
}

/** One source and the answers its fake gives to the same faults. */
interface SourceCase {
  name: string;
  sourceName: SentimentSourceName;
  title: string;
  start(): Promise<FakeApi>;
  create(params: { url: string; enabled: boolean; clock: Clock; sleep: Sleep }): PacedHttpSource;
  /** The source's clock when a test starts. */
  now: number;
  range: FetchSentimentParams;
  /** Another request, to show that a pause holds for every request. */
  otherRange: FetchSentimentParams;
  /** How many points either range returns. */
  points: number;
  /** How messages about `range` start. */
  label: string;
  disabledReason: string;
  retryAfterSeconds: number;
  throttledMessage: string;
  serverError: { status: number; message: string };
  /** A malformation of the fake, and the rest of the message after `label`. */
  malformed: [string, unknown][];
}

const LUNARCRUSH_KEY = 'lc-test-key';
const LUNARCRUSH_FROM = Date.UTC(2021, 1, 27); // 2021-02-27 00:00
const LUNARCRUSH_TO = Date.UTC(2021, 1, 28, 23); // 2021-02-28 23:00: 48 hourly buckets

const cases: SourceCase[] = [
  {
    name: 'FearGreedSource',
    sourceName: 'fear-greed',
    title: 'Fear & Greed',
    start: () => FakeFearGreed.start(),
    create: ({ url, enabled, clock, sleep }) =>
      new FearGreedSource({ apiUrl: enabled ? url : '', clock, sleep }),
    now: Date.UTC(2021, 2, 31, 12), // the fixture's last day, noon
    range: { symbol: 'MARKET', from: Date.UTC(2021, 2, 1), to: Date.UTC(2021, 2, 31) },
    otherRange: { symbol: 'MARKET', from: Date.UTC(2021, 2, 1), to: Date.UTC(2021, 2, 31) },
    points: 31,
    label: 'Fear & Greed index (limit 32)',
    disabledReason: 'Fear & Greed is disabled: FEAR_GREED_API_URL is off',
    retryAfterSeconds: 30,
    throttledMessage:
      'Fear & Greed index (limit 32): rate limit hit (HTTP 429); retry after 2021-03-31T12:00:30.000Z',
    serverError: { status: 502, message: 'Fear & Greed index (limit 32): HTTP 502: Error 502' },
    malformed: [
      ['not-json', ': the response is not JSON (<html><body>Service Unavailable</body></html>)'],
      ['missing-data', ' is malformed: data: Invalid input: expected array, received undefined'],
      ['value-not-number', ' is malformed: data[0].value: expected a number as a string'],
      ['value-out-of-range', ' is malformed: data[0].value: Too big: expected number to be <=100'],
      ['bad-timestamp', ' is malformed: data[0].timestamp: expected unix seconds as a string'],
      [
        'unknown-classification',
        ' is malformed: data[0].value_classification: Invalid option: expected one of "Extreme Fear"|"Fear"|"Neutral"|"Greed"|"Extreme Greed"',
      ],
    ],
  },
  {
    name: 'LunarCrushSource',
    sourceName: 'lunarcrush',
    title: 'LunarCrush',
    start: () => FakeLunarCrush.start({ apiKey: LUNARCRUSH_KEY, seed: 7 }),
    create: ({ url, enabled, clock, sleep }) =>
      new LunarCrushSource({
        apiKey: enabled ? LUNARCRUSH_KEY : undefined,
        apiUrl: url,
        clock,
        sleep,
      }),
    now: Date.UTC(2021, 2, 1, 12, 30), // 2021-03-01 12:30
    range: { symbol: 'BTC', from: LUNARCRUSH_FROM, to: LUNARCRUSH_TO },
    otherRange: { symbol: 'ETH', from: LUNARCRUSH_FROM, to: LUNARCRUSH_TO },
    points: 48,
    label: 'LunarCrush BTC hourly time series',
    disabledReason: 'LunarCrush is disabled: no API key is configured (set LUNARCRUSH_API_KEY)',
    retryAfterSeconds: 120,
    throttledMessage:
      'LunarCrush BTC hourly time series: rate limit hit (HTTP 429); retry after 2021-03-01T12:32:00.000Z',
    serverError: {
      status: 503,
      message: 'LunarCrush BTC hourly time series: HTTP 503: Internal server error',
    },
    malformed: [
      [
        'not-json',
        expect.stringMatching(/: the response is not JSON \(<html><body><h1>502 Bad Gateway/),
      ],
      ['truncated', expect.stringMatching(/: the response is not JSON \(\{"config"/)],
      [
        'missing-data',
        expect.stringMatching(
          / is malformed: data: Invalid input: expected array, received undefined$/,
        ),
      ],
      [
        'data-not-array',
        expect.stringMatching(
          / is malformed: data: Invalid input: expected array, received object$/,
        ),
      ],
      [
        'time-not-number',
        expect.stringMatching(
          / is malformed: data\[24\]\.time: Invalid input: expected number, received string$/,
        ),
      ],
      [
        'sentiment-out-of-range',
        expect.stringMatching(
          / is malformed: data\[24\]\.sentiment: Too big: expected number to be <=100$/,
        ),
      ],
      [
        'negative-interactions',
        expect.stringMatching(
          / is malformed: data\[24\]\.interactions: Too small: expected number to be >=0$/,
        ),
      ],
      [
        'off-grid-time',
        expect.stringMatching(
          new RegExp(
            ` is malformed: data\\[24\\]\\.time ${LUNARCRUSH_FROM / 1000 + 24 * 3600 + 1800} is not on an hour boundary$`,
          ),
        ),
      ],
    ],
  },
];

describe.each(cases)('$name against its fake API: what every paced HTTP source does', (c) => {
  let fake: FakeApi;

  beforeAll(async () => {
    fake = await c.start();
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.requests.length = 0;
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  function newSource(options: { enabled?: boolean } = {}) {
    const { time, clock, sleep } = fakeTime(c.now);
    const source = c.create({ url: fake.url, enabled: options.enabled ?? true, clock, sleep });
    return { source, time };
  }

  it('is disabled by its config, and then sends nothing', async () => {
    const { source } = newSource({ enabled: false });
    expect(source.isEnabled()).toEqual({ enabled: false, reason: c.disabledReason });
    const error = await rejectionOf(source.fetchRange(c.range));
    expect(error).toBeInstanceOf(SentimentRequestError);
    expect(error).toMatchObject({ name: 'SentimentRequestError', permanent: true });
    expect(fake.requests).toHaveLength(0);
  });

  it('429 with Retry-After seconds: retryAt, and no request until then', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { source, time } = newSource();
    const waitMs = c.retryAfterSeconds * 1000;
    fake.failNext(429, { retryAfterSeconds: c.retryAfterSeconds });
    const error = await rejectionOf(source.fetchRange(c.range));

    expect(error).toBeInstanceOf(SentimentThrottledError);
    expect(error).toMatchObject({
      retryAt: c.now + waitMs,
      permanent: false,
      source: c.sourceName,
    });
    expect((error as Error).message).toBe(c.throttledMessage);
    expect(source.blockedUntil).toBe(c.now + waitMs);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining(`pausing every ${c.title} request until then`),
    );

    await expect(source.fetchRange(c.range)).rejects.toBe(error);
    time.now += waitMs - 1000;
    await expect(source.fetchRange(c.otherRange)).rejects.toBe(error);
    expect(fake.requests).toHaveLength(1);

    time.now += 1000;
    expect(source.blockedUntil).toBe(0);
    await expect(source.fetchRange(c.otherRange)).resolves.toHaveLength(c.points);
    expect(fake.requests).toHaveLength(2);
  });

  it('429 with an HTTP-date Retry-After, and without one (60 s)', async () => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const dated = newSource().source;
    fake.failNext(429, { retryAfterDate: new Date(c.now + 300_000) });
    await expect(dated.fetchRange(c.range)).rejects.toMatchObject({ retryAt: c.now + 300_000 });

    const bare = newSource().source;
    fake.failNext(429);
    await expect(bare.fetchRange(c.range)).rejects.toMatchObject({ retryAt: c.now + 60_000 });
  });

  it('maps 403 to a permanent auth error and 5xx to a temporary request error', async () => {
    const { source } = newSource();
    fake.failNext(403);
    await expect(source.fetchRange(c.range)).rejects.toMatchObject({
      name: 'SentimentAuthError',
      status: 403,
      permanent: true,
    });
    fake.failNext(c.serverError.status);
    await expect(source.fetchRange(c.range)).rejects.toMatchObject({
      name: 'SentimentRequestError',
      status: c.serverError.status,
      permanent: false,
      message: c.serverError.message,
    });
  });

  it.each(c.malformed)('rejects a %s response whole, naming the problem', async (kind, problem) => {
    const { source } = newSource();
    fake.malformNext(kind);
    const error = await rejectionOf(source.fetchRange(c.range));

    expect(error).toBeInstanceOf(SentimentPayloadError);
    const message = (error as Error).message;
    expect(message.slice(0, c.label.length)).toBe(c.label);
    expect(message.slice(c.label.length)).toEqual(problem);
    // The next, well-formed response is used again.
    await expect(source.fetchRange(c.range)).resolves.toHaveLength(c.points);
  });
});
