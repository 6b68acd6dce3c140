import { FEAR_GREED_FIXTURE, FakeFearGreed } from '../../../test/fakes/fake-fear-greed';
import { readFearGreedCsv } from '../import/fear-greed-csv.reader';
import { FearGreedSource } from './fear-greed.source';
import { DAY_MS, SentimentRequestError, type SentimentPoint } from './sentiment.source';
import { fakeTime, pointWithoutSocialMetrics, rejectionOf } from './source-spec-support';

const NOW = Date.UTC(2021, 2, 31, 12); // the fixture's last day, noon
const MARCH_1 = Date.UTC(2021, 2, 1);
const MARCH_31 = Date.UTC(2021, 2, 31);

describe('FearGreedSource against the fake alternative.me API', () => {
  let fake: FakeFearGreed;
  let fixture: SentimentPoint[];

  beforeAll(async () => {
    fake = await FakeFearGreed.start();
    fixture = (await readFearGreedCsv(FEAR_GREED_FIXTURE)).points;
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.requests.length = 0;
  });

  function source(): FearGreedSource {
    const { clock, sleep } = fakeTime(NOW);
    return new FearGreedSource({ apiUrl: fake.url, clock, sleep });
  }

  it('describes itself: daily, market-wide, all history in one request, no key needed', () => {
    const fearGreed = new FearGreedSource();
    expect(fearGreed.getName()).toBe('fear-greed');
    expect(fearGreed.scope).toBe('market');
    expect(fearGreed.granularityMs).toBe(DAY_MS);
    expect(fearGreed.maxRangeMs).toBe(Number.POSITIVE_INFINITY);
    expect(fearGreed.isEnabled()).toEqual({ enabled: true });
  });

  it('asks for enough days back from today and maps every field (string values to numbers)', async () => {
    const fearGreed = source();
    const points = await fearGreed.fetchRange({ symbol: 'MARKET', from: MARCH_1, to: MARCH_31 });

    // 30 days back from today plus today, plus one spare for a server a day ahead.
    expect(fake.requests).toEqual([{ path: '/fng/', query: { limit: '32', format: 'json' } }]);
    expect(points).toHaveLength(31);
    expect(points[0]).toEqual(
      pointWithoutSocialMetrics({
        source: 'fear-greed',
        symbol: 'MARKET',
        time: MARCH_1,
        sentiment: 38,
        classification: 'Fear',
        raw: { value: '38', value_classification: 'Fear', timestamp: String(MARCH_1 / 1000) },
      }),
    );
    expect(points[30]).toMatchObject({
      time: MARCH_31,
      sentiment: 76,
      classification: 'Extreme Greed',
    });
    expect(points[30]?.raw).toHaveProperty('time_until_update');
    // Same values as the CSV the fake serves, ascending.
    expect(points.map(({ raw: _raw, ...point }) => point)).toEqual(
      fixture.filter((point) => point.time >= MARCH_1),
    );
  });

  it('filters to the range: whole days whose midnight is in [from, to]', async () => {
    const fearGreed = source();
    const points = await fearGreed.fetchRange({
      symbol: 'market',
      from: Date.UTC(2021, 1, 10, 6),
      to: Date.UTC(2021, 1, 14, 23),
    });
    expect(points.map((point) => new Date(point.time).toISOString().slice(0, 10))).toEqual([
      '2021-02-11',
      '2021-02-12',
      '2021-02-13',
      '2021-02-14',
    ]);
    expect(fake.requests[0]?.query.limit).toBe(
      String((MARCH_31 - Date.UTC(2021, 1, 11)) / DAY_MS + 2),
    );
  });

  it('asks for all history (limit=0) when the range starts before the index existed', async () => {
    const fearGreed = source();
    const points = await fearGreed.fetchRange({
      symbol: 'MARKET',
      from: Date.UTC(2017, 0, 1),
      to: Date.UTC(2030, 0, 1),
    });
    expect(fake.requests[0]?.query.limit).toBe('0');
    expect(points).toHaveLength(90);
    expect(points.reduce((sum, point) => sum + (point.sentiment ?? 0), 0)).toBe(7103);
  });

  it('makes no request for an empty range or one that starts after today', async () => {
    const fearGreed = source();
    await expect(
      fearGreed.fetchRange({ symbol: 'MARKET', from: MARCH_31, to: MARCH_1 }),
    ).resolves.toEqual([]);
    await expect(
      fearGreed.fetchRange({
        symbol: 'MARKET',
        from: MARCH_31 + DAY_MS,
        to: MARCH_31 + 5 * DAY_MS,
      }),
    ).resolves.toEqual([]);
    expect(fake.requests).toHaveLength(0);
  });

  it('is market-wide: a coin symbol is refused', async () => {
    const fearGreed = source();
    await expect(
      fearGreed.fetchRange({ symbol: 'BTC', from: MARCH_1, to: MARCH_31 }),
    ).rejects.toThrow('Fear & Greed is market-wide: ask for symbol MARKET, not "BTC"');
  });

  it('reports an error the API puts in metadata', async () => {
    const fearGreed = source();
    fake.malformNext('api-error');
    const error = await rejectionOf(
      fearGreed.fetchRange({ symbol: 'MARKET', from: MARCH_1, to: MARCH_31 }),
    );
    expect(error).toBeInstanceOf(SentimentRequestError);
    expect((error as Error).message).toBe(
      'Fear & Greed index (limit 32): the API says "Service temporarily unavailable"',
    );
  });
});
