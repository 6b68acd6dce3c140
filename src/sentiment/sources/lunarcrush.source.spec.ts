import { FakeLunarCrush } from '../../../test/fakes/fake-lunarcrush';
import { LUNARCRUSH_MAX_RANGE_MS, LunarCrushSource } from './lunarcrush.source';
import {
  HOUR_MS,
  SentimentAuthError,
  SentimentRequestError,
  type SentimentPoint,
} from './sentiment.source';
import { fakeTime, rejectionOf } from './source-spec-support';

const KEY = 'lc-test-key';
const FROM = Date.UTC(2021, 1, 27); // 2021-02-27 00:00
const TO = Date.UTC(2021, 1, 28, 23); // 2021-02-28 23:00: 48 hourly buckets
const NOW = Date.UTC(2021, 2, 1, 12, 30); // the source's clock: 2021-03-01 12:30

describe('LunarCrushSource against the fake LunarCrush API v4', () => {
  let fake: FakeLunarCrush;

  beforeAll(async () => {
    fake = await FakeLunarCrush.start({ apiKey: KEY, seed: 7 });
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.requests.length = 0;
  });

  function source(options: { apiKey?: string; requestsPerMinute?: number } = {}) {
    const time = fakeTime(NOW);
    const lunarcrush = new LunarCrushSource({
      apiKey: 'apiKey' in options ? options.apiKey : KEY,
      apiUrl: fake.url,
      requestsPerMinute: options.requestsPerMinute,
      clock: time.clock,
      sleep: time.sleep,
    });
    return { lunarcrush, time: time.time };
  }

  it('describes itself: hourly, coin scoped, 30 days a request', () => {
    const { lunarcrush } = source();
    expect(lunarcrush.getName()).toBe('lunarcrush');
    expect(lunarcrush.scope).toBe('coin');
    expect(lunarcrush.granularityMs).toBe(HOUR_MS);
    expect(lunarcrush.maxRangeMs).toBe(30 * 24 * HOUR_MS);
    expect(lunarcrush.isEnabled()).toEqual({ enabled: true });
  });

  it('maps every field of every hourly bucket, missing metrics as null', async () => {
    const { lunarcrush } = source();
    const points = await lunarcrush.fetchRange({ symbol: 'btc', from: FROM, to: TO });

    expect(points).toHaveLength(48);
    points.forEach((point, index) => {
      const time = FROM + index * HOUR_MS;
      const item = fake.item('BTC', time / 1000);
      const expected: SentimentPoint = {
        source: 'lunarcrush',
        symbol: 'BTC',
        time,
        sentiment: item.sentiment as number,
        galaxyScore: (item.galaxy_score as number | undefined) ?? null,
        altRank: (item.alt_rank as number | undefined) ?? null,
        interactions: item.interactions as number,
        socialDominance: item.social_dominance as number | null,
        contributorsActive: item.contributors_active as number,
        postsActive: item.posts_active as number,
        spam: item.spam as number | null,
        classification: null,
        raw: item,
      };
      expect(point).toEqual(expected);
    });
    // The fake leaves galaxy_score / alt_rank out every 29th hour and nulls spam /
    // social_dominance every 31st: both happen inside these 48 hours.
    const hours = points.map((point) => point.time / HOUR_MS);
    expect(points.filter((point) => point.galaxyScore === null && point.altRank === null)).toEqual(
      points.filter((point) => (point.time / HOUR_MS) % 29 === 0),
    );
    expect(points.filter((point) => point.spam === null && point.socialDominance === null)).toEqual(
      points.filter((point) => (point.time / HOUR_MS) % 31 === 0),
    );
    expect(hours.filter((hour) => hour % 29 === 0).length).toBeGreaterThan(0);
    expect(hours.filter((hour) => hour % 31 === 0).length).toBeGreaterThan(0);
    expect(points.filter((point) => point.sentiment === null)).toHaveLength(0);
    expect(points[0]?.raw).toHaveProperty('close');
  });

  it('turns the range into one request: path, bucket, start and end in unix seconds, bearer key', async () => {
    const { lunarcrush } = source();
    await lunarcrush.fetchRange({ symbol: 'ETH', from: FROM, to: TO });

    expect(fake.requests).toEqual([
      {
        path: '/api4/public/coins/ETH/time-series/v2',
        query: { bucket: 'hour', start: String(FROM / 1000), end: String(TO / 1000) },
        authorization: `Bearer ${KEY}`,
      },
    ]);
  });

  it('asks from the first whole hour at or after `from`', async () => {
    const { lunarcrush } = source();
    const points = await lunarcrush.fetchRange({
      symbol: 'BTC',
      from: FROM + 30 * 60_000,
      to: FROM + 5 * HOUR_MS,
    });

    expect(fake.requests[0]?.query.start).toBe(String((FROM + HOUR_MS) / 1000));
    expect(points.map((point) => point.time)).toEqual(
      [1, 2, 3, 4, 5].map((hours) => FROM + hours * HOUR_MS),
    );
  });

  it('returns only closed buckets: the hour still filling is neither asked for nor kept', async () => {
    const { lunarcrush } = source(); // 12:30: the 11:00 bucket is the last closed one
    const points = await lunarcrush.fetchRange({
      symbol: 'BTC',
      from: Date.UTC(2021, 2, 1, 8),
      to: Date.UTC(2021, 2, 1, 18),
    });

    expect(fake.requests[0]?.query.end).toBe(String(Date.UTC(2021, 2, 1, 11) / 1000));
    expect(points.map((point) => new Date(point.time).toISOString())).toEqual([
      '2021-03-01T08:00:00.000Z',
      '2021-03-01T09:00:00.000Z',
      '2021-03-01T10:00:00.000Z',
      '2021-03-01T11:00:00.000Z',
    ]);
  });

  it('makes no request for an empty range or one with no closed bucket yet', async () => {
    const { lunarcrush } = source();
    await expect(lunarcrush.fetchRange({ symbol: 'BTC', from: TO, to: FROM })).resolves.toEqual([]);
    await expect(
      lunarcrush.fetchRange({ symbol: 'BTC', from: Date.UTC(2021, 2, 1, 12), to: NOW }),
    ).resolves.toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('refuses a range longer than one request may cover, and bad symbols, before any request', async () => {
    const { lunarcrush } = source();
    await expect(
      lunarcrush.fetchRange({ symbol: 'BTC', from: FROM, to: FROM + LUNARCRUSH_MAX_RANGE_MS }),
    ).rejects.toThrow(/split the range with rangeChunks/);
    await expect(
      lunarcrush.fetchRange({ symbol: 'BTC', from: Number.NaN, to: TO }),
    ).rejects.toThrow('LunarCrush needs from and to as epoch milliseconds');
    await expect(lunarcrush.fetchRange({ symbol: 'BTC/USDT', from: FROM, to: TO })).rejects.toThrow(
      RangeError,
    );
    expect(fake.requests).toHaveLength(0);
  });

  it('covers a full 30-day chunk in one request (720 buckets)', async () => {
    const { lunarcrush } = source();
    const points = await lunarcrush.fetchRange({
      symbol: 'SOL',
      from: Date.UTC(2021, 0, 1),
      to: Date.UTC(2021, 0, 1) + LUNARCRUSH_MAX_RANGE_MS - 1,
    });
    expect(points).toHaveLength(720);
    expect(points[719]?.time).toBe(Date.UTC(2021, 0, 30, 23));
    expect(fake.requests).toHaveLength(1);
  });

  it('is disabled by a blank API key too', () => {
    expect(source({ apiKey: '  ' }).lunarcrush.isEnabled().enabled).toBe(false);
  });

  it('paces itself to requestsPerMinute in a rolling minute, with the injected clock', async () => {
    const { lunarcrush, time } = source({ requestsPerMinute: 3 });
    const sentAt: number[] = [];
    for (let request = 0; request < 5; request++) {
      await lunarcrush.fetchRange({ symbol: 'BTC', from: FROM, to: FROM + HOUR_MS });
      sentAt.push(time.now - NOW);
      time.now += 1000; // each request takes a second
    }

    // Three in the first seconds; the fourth waits until the first is a minute old.
    expect(time.sleeps).toEqual([57_000]);
    expect(sentAt).toEqual([0, 1000, 2000, 60_000, 61_000]);
    expect(fake.requests).toHaveLength(5);
  });

  it('queues concurrent fetches so they cannot share the last slot', async () => {
    const { lunarcrush, time } = source({ requestsPerMinute: 2 });
    const results = await Promise.all(
      [0, 1, 2].map(() => lunarcrush.fetchRange({ symbol: 'BTC', from: FROM, to: FROM })),
    );
    expect(results.map((points) => points.length)).toEqual([1, 1, 1]);
    expect(time.sleeps).toEqual([60_000]);
    expect(fake.requests).toHaveLength(3);
  });

  it('is the default 10 requests a minute', async () => {
    const { lunarcrush, time } = source();
    for (let request = 0; request < 11; request++) {
      await lunarcrush.fetchRange({ symbol: 'BTC', from: FROM, to: FROM });
    }
    expect(time.sleeps).toEqual([60_000]);
  });

  it('401 with a wrong key: a permanent SentimentAuthError that says why', async () => {
    const { lunarcrush } = source({ apiKey: 'wrong-key' });
    const error = await rejectionOf(lunarcrush.fetchRange({ symbol: 'BTC', from: FROM, to: TO }));

    expect(error).toBeInstanceOf(SentimentAuthError);
    expect(error).toMatchObject({ status: 401, permanent: true, source: 'lunarcrush' });
    expect((error as Error).message).toBe(
      'LunarCrush BTC hourly time series: the API refused the credentials (HTTP 401: Unauthorized: invalid or missing API key)',
    );
    expect(fake.requests[0]?.authorization).toBe('Bearer wrong-key');
  });

  it('other failures: an unknown coin (404) is permanent, a dead host temporary', async () => {
    const { lunarcrush } = source();
    await expect(
      lunarcrush.fetchRange({ symbol: 'XYZ', from: FROM, to: TO }),
    ).rejects.toMatchObject({
      name: 'SentimentRequestError',
      status: 404,
      permanent: true,
      message: 'LunarCrush XYZ hourly time series: HTTP 404: Coin XYZ not found',
    });

    const dead = new LunarCrushSource({
      apiKey: KEY,
      apiUrl: 'http://127.0.0.1:9',
      clock: () => NOW,
    });
    const error = await rejectionOf(dead.fetchRange({ symbol: 'BTC', from: FROM, to: TO }));
    expect(error).toBeInstanceOf(SentimentRequestError);
    expect(error).toMatchObject({ permanent: false, status: undefined });
    expect((error as Error).message).toMatch(/^LunarCrush BTC hourly time series: request failed/);
  });
});
