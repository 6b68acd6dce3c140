import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { FearGreedImportService } from '../src/sentiment/import/fear-greed-import.service';
import { SentimentSources } from '../src/sentiment/sentiment-sources';
import { FakeFearGreed, FEAR_GREED_FIXTURE } from './fakes/fake-fear-greed';
import { FakeLunarCrush } from './fakes/fake-lunarcrush';
import { JobName } from '../src/queue/queue.catalogue';
import { databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { api, jobInState, jobResult, type Api, type Schema } from './support/api';
import { waitFor } from './support/wait-for';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const BACKFILL_DAYS = 3;
const COINS = ['BTC', 'ETH', 'SOL', 'ADA'];

type SourceState = Schema<'SentimentSourceDto'>;

async function sources(t: TestApp): Promise<SourceState[]> {
  return (await api(t, { key: t.adminKey }).get('/sentiment/sources')).body;
}

/** The job once in `state`, read with the admin key (20 s at most). */
function waitForJob(t: TestApp, jobId: string, state: Schema<'JobDto'>['state'] = 'completed') {
  return jobInState(api(t, { key: t.adminKey }), jobId, state, { timeoutMs: 20_000 });
}

async function poll(t: TestApp, source: string): Promise<string> {
  const response = await api(t, { key: t.adminKey }).post(`/admin/sentiment/${source}/poll`);
  expect(response.status).toBe(202);
  return response.body.jobId;
}

/** Fear & Greed rows for the last ten days, as the real index would have them. */
function recentFearGreedCsv(): string {
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const rows = Array.from({ length: 10 }, (_, i) => {
    const value = 20 + i * 7;
    const label =
      value <= 25
        ? 'Extreme Fear'
        : value <= 45
          ? 'Fear'
          : value <= 55
            ? 'Neutral'
            : value <= 75
              ? 'Greed'
              : 'Extreme Greed';
    return `${new Date(today - (9 - i) * DAY_MS).toISOString().slice(0, 10)},${value},${label}`;
  });
  return `date,value,classification\n${rows.join('\n')}\n`;
}

describe('sentiment: LunarCrush and Fear & Greed polling, storage and API', () => {
  let lunar: FakeLunarCrush;
  let fearGreed: FakeFearGreed;
  let t: TestApp;
  let http: Api;
  let dir: string;
  const database = databaseUrl(scratchName('sentiment'));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cft-sentiment-'));
    await writeFile(join(dir, 'recent.csv'), recentFearGreedCsv());
    lunar = await FakeLunarCrush.start();
    fearGreed = await FakeFearGreed.start({ csvPath: join(dir, 'recent.csv') });
    t = await startTestApp({
      worker: true,
      env: {
        DATABASE_URL: database,
        REDIS_PREFIX: scratchName('sentiment'),
        LUNARCRUSH_API_KEY: 'test-lunarcrush-key',
        LUNARCRUSH_API_URL: lunar.url,
        LUNARCRUSH_REQUESTS_PER_MINUTE: '600',
        FEAR_GREED_API_URL: fearGreed.url,
        SENTIMENT_BACKFILL_DAYS: String(BACKFILL_DAYS),
      },
    });
    http = api(t, { key: t.adminKey });
  });
  afterAll(async () => {
    await t.close();
    await lunar.close();
    await fearGreed.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('fetches the history of every series at first start, one request per series', async () => {
    const state = await waitFor(
      async () => {
        const all = await sources(t);
        const lunarSeries = all.find((source) => source.name === 'lunarcrush')?.series ?? [];
        const fgSeries = all.find((source) => source.name === 'fear-greed')?.series ?? [];
        return lunarSeries.length === 4 && fgSeries.length === 1 ? all : undefined;
      },
      { what: 'the first polls', timeoutMs: 20_000 },
    );
    const now = Date.now();
    const firstHour = Math.floor((now - BACKFILL_DAYS * DAY_MS) / HOUR_MS) * HOUR_MS;
    const lastClosedHour = Math.floor(now / HOUR_MS) * HOUR_MS - HOUR_MS;
    for (const series of state.find((source) => source.name === 'lunarcrush')!.series) {
      expect(COINS).toContain(series.symbol);
      expect(Date.parse(series.first)).toBe(firstHour);
      // The hour still filling is never stored; the last closed one is (give or take an hour boundary during the test).
      expect(Date.parse(series.last)).toBeGreaterThanOrEqual(lastClosedHour - HOUR_MS);
      expect(series.count).toBe((Date.parse(series.last) - firstHour) / HOUR_MS + 1);
    }
    const coinRequests = lunar.requests.filter((r) => r.path.includes('/time-series/v2'));
    expect(coinRequests).toHaveLength(4);
    expect(
      coinRequests.every(
        (r) => r.authorization === 'Bearer test-lunarcrush-key' && r.query.bucket === 'hour',
      ),
    ).toBe(true);
    const fg = state.find((source) => source.name === 'fear-greed')!.series[0]!;
    expect(fg.symbol).toBe('MARKET');
    // The last BACKFILL_DAYS days and today: 4 daily values.
    expect(fg.count).toBe(BACKFILL_DAYS + 1);
  });

  it('serves the series with every LunarCrush field mapped, and the latest values with their age', async () => {
    const response = await http.get('/sentiment/BTC', { query: { limit: 5 } });
    expect(response.status).toBe(200);
    const lunarSeries = response.body.series.find((s) => s.source === 'lunarcrush')!;
    expect(lunarSeries.symbol).toBe('BTC');
    expect(lunarSeries.points).toHaveLength(5);
    const point = lunarSeries.points[4]!;
    const sent = lunar.item('BTC', Date.parse(point.time) / 1000);
    expect(point).toMatchObject({
      sentiment: sent.sentiment ?? null,
      galaxyScore: sent.galaxy_score ?? null,
      altRank: sent.alt_rank ?? null,
      interactions: sent.interactions ?? null,
      socialDominance: sent.social_dominance ?? null,
      contributorsActive: sent.contributors_active ?? null,
      postsActive: sent.posts_active ?? null,
      spam: sent.spam ?? null,
    });
    // An hourly bucket is known when its hour ends.
    expect(Date.parse(point.availableAt) - Date.parse(point.time)).toBe(HOUR_MS);
    const fgSeries = response.body.series.find((s) => s.source === 'fear-greed')!;
    expect(fgSeries.symbol).toBe('MARKET');
    expect(fgSeries.points[fgSeries.points.length - 1]).toMatchObject({
      sentiment: 83,
      classification: 'Extreme Greed',
    });

    const latest = await http.get('/sentiment/btcusdt/latest');
    expect(latest.status).toBe(200);
    const lunarLatest = latest.body.find((l) => l.source === 'lunarcrush')!;
    expect(lunarLatest.ageMs).toBeGreaterThanOrEqual(0);
    expect(lunarLatest.ageMs).toBeLessThan(2 * HOUR_MS);

    const graphql = await request(t.url).post('/graphql').set('x-api-key', t.adminKey).send({
      query:
        '{ sentiment(symbol: "ETH", source: "lunarcrush", limit: 2) { symbol series { source symbol points { time sentiment } } } }',
    });
    expect(graphql.body.errors).toBeUndefined();
    expect(graphql.body.data.sentiment.series).toHaveLength(1);
    expect(graphql.body.data.sentiment.series[0].points).toHaveLength(2);
  });

  it('polls incrementally from the last stored point', async () => {
    const before = lunar.requests.length;
    const job = await waitForJob(t, await poll(t, 'lunarcrush'));
    const requests = lunar.requests.slice(before);
    // Up to date: no request at all unless an hour closed meanwhile, and then only from the hour
    // after the last stored one.
    expect(requests.length).toBeLessThanOrEqual(4);
    const btc = (await sources(t))
      .find((s) => s.name === 'lunarcrush')!
      .series.find((s) => s.symbol === 'BTC')!;
    for (const sent of requests) {
      expect(Number(sent.query.start) * 1000).toBeGreaterThan(Date.parse(btc.last) - 2 * HOUR_MS);
    }
    expect(jobResult(job, JobName.SentimentPoll).series.every((s) => s.fetched <= 1)).toBe(true);
  });

  it('waits out a 429 for its Retry-After and completes', async () => {
    const db = new DataSource({ type: 'postgres', url: database });
    await db.initialize();
    // Forget the newest BTC hours so the poll has something to fetch.
    await db.query(
      `DELETE FROM sentiment_points WHERE source = 'lunarcrush' AND symbol = 'BTC' AND time > now() - interval '5 hours'`,
    );
    lunar.failNext(429, { retryAfterSeconds: 1 });
    const before = lunar.requests.length;
    const started = Date.now();
    const job = await waitForJob(t, await poll(t, 'lunarcrush'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    // Only BTC has anything to fetch: the 429, then the retry.
    expect(lunar.requests.length - before).toBe(2);
    const btc = jobResult(job, JobName.SentimentPoll).series.find((s) => s.symbol === 'BTC')!;
    expect(btc.inserted).toBeGreaterThanOrEqual(4);
    await db.destroy();
  });

  it('calls nothing while the source has asked for a pause, whichever worker it told', async () => {
    const states = t.app.get(SentimentSources);
    await states.updateState('lunarcrush', { pausedUntil: Date.now() + 60_000 });
    try {
      const before = lunar.requests.length;
      const job = await waitForJob(t, await poll(t, 'lunarcrush'));
      expect(jobResult(job, JobName.SentimentPoll).skipped).toMatch(/pause until .* \(HTTP 429\)/);
      expect(lunar.requests.length).toBe(before);
    } finally {
      await states.updateState('lunarcrush', { pausedUntil: undefined });
    }
  });

  it('rejects a malformed payload: nothing stored, the attempt fails with the reason (and is retried with backoff)', async () => {
    const db = new DataSource({ type: 'postgres', url: database });
    await db.initialize();
    const count = async () =>
      Number(
        (
          await db.query(`SELECT count(*) AS n FROM sentiment_points WHERE source = 'fear-greed'`)
        )[0].n,
      );
    await db.query(
      `DELETE FROM sentiment_points WHERE source = 'fear-greed' AND time >= now() - interval '1 day'`,
    );
    const left = await count();
    fearGreed.malformNext('value-out-of-range');
    const jobId = await poll(t, 'fear-greed');
    const failed = await waitFor(
      async () => {
        const job = (await api(t, { key: t.adminKey }).get(`/jobs/${jobId}`)).body;
        return job.attemptsMade >= 1 && job.error ? job : undefined;
      },
      { what: 'the failed attempt' },
    );
    expect(failed.error).toMatch(/value/i);
    expect(await count()).toBe(left);
    await db.destroy();
  });

  it('imports Fear & Greed history from CSV idempotently, with rejected rows and their reasons', async () => {
    const importer = t.app.get(FearGreedImportService);
    const first = await importer.import(FEAR_GREED_FIXTURE);
    expect(first).toMatchObject({
      rowsRead: 90,
      inserted: 90,
      updated: 0,
      alreadyPresent: 0,
      rejected: [],
    });
    const again = await importer.import(FEAR_GREED_FIXTURE);
    expect(again).toMatchObject({ inserted: 0, alreadyPresent: 90 });
    const bad = join(dir, 'bad.csv');
    await writeFile(
      bad,
      'date,value,classification\n2021-13-01,40,Fear\n2021-04-01,140,Greed\n2021-04-02,50,Neutral\n',
    );
    const mixed = await importer.import(bad);
    expect(mixed.inserted).toBe(1);
    expect(mixed.rejected.map((row) => row.line)).toEqual([2, 3]);
    const page = await http.get('/sentiment/MARKET', {
      query: { from: '2021-01-01', to: '2021-03-31' },
    });
    expect(page.body.series[0]!.points).toHaveLength(90);
    expect(page.body.series[0]!.points.reduce((sum, p) => sum + p.sentiment!, 0)).toBe(7103);
  });

  it('answers bad input with 4xx naming the field', async () => {
    const unknown = await http.get('/sentiment/DOGE');
    expect(unknown.status).toBe(404);
    expect(unknown.errorBody.message).toContain('BTC');
    const source = await http.get('/sentiment/BTC', { rawQuery: { source: 'twitter' } });
    expect(source.status).toBe(400);
    expect(JSON.stringify(source.errorBody.details)).toContain('source');
    const range = await http.get('/sentiment/BTC', {
      query: { from: '2022-01-02', to: '2022-01-01' },
    });
    expect(range.status).toBe(400);
    const limit = await http.get('/sentiment/BTC', { query: { limit: 0 } });
    expect(limit.status).toBe(400);
    const pollUnknown = await http.post('/admin/sentiment/twitter/poll');
    expect(pollUnknown.status).toBe(400);
  });
});

describe('sentiment with a refused key', () => {
  it('disables LunarCrush with a clear reason and stops calling it', async () => {
    const lunar = await FakeLunarCrush.start();
    const t = await startTestApp({
      worker: true,
      env: {
        DATABASE_URL: databaseUrl(scratchName('s401')),
        REDIS_PREFIX: scratchName('s401'),
        LUNARCRUSH_API_KEY: 'a-wrong-key-123',
        LUNARCRUSH_API_URL: lunar.url,
      },
    });
    try {
      const state = await waitFor(
        async () => (await sources(t)).find((s) => s.name === 'lunarcrush' && s.disabledReason),
        { what: 'the source to be disabled' },
      );
      expect(state.enabled).toBe(false);
      expect(state.disabledReason).toMatch(/401|key/i);
      const requests = lunar.requests.length;
      expect(requests).toBe(1);
      const job = await waitForJob(t, await poll(t, 'lunarcrush'));
      expect(jobResult(job, JobName.SentimentPoll).skipped).toMatch(/401|key/i);
      expect(lunar.requests.length).toBe(requests);
      const fg = (await sources(t)).find((s) => s.name === 'fear-greed')!;
      expect(fg.disabledReason).toMatch(/FEAR_GREED_API_URL|empty|disabled/i);
    } finally {
      await t.close();
      await lunar.close();
    }
  });
});
