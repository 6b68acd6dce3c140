import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import type { Candle } from '../src/market-data/candle';
import { LiveCandlesService } from '../src/market-data/stream/live-candles.service';
import { CandleSyncService } from '../src/market-data/sync/candle-sync.service';
import { ExchangeStatusService } from '../src/market-data/sync/exchange-status.service';
import { readCandleCsv } from '../src/simulator/candle-series';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { api, jobInState, type Schema } from './support/api';
import { REDIS_URL, databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { sleep, waitFor } from './support/wait-for';

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const FIXTURE = readCandleCsv(
  join(__dirname, 'fixtures', 'klines', 'BTCUSDT-1h-2019-05-10_2019-05-20.csv'),
);
/** The fixture holds Binance's real maintenance gap of 2019-05-15 03:00-12:00 (10 candles). */
const GAP = { from: '2019-05-15T03:00:00.000Z', to: '2019-05-15T12:00:00.000Z' };
const RANGE = { from: '2019-05-10T00:00:00Z', to: '2019-05-20T23:00:00Z' };

/** The job once in `state`, read with the admin key (20 s at most). */
function waitForJob(t: TestApp, jobId: string, state: Schema<'JobDto'>['state'] = 'completed') {
  return jobInState(api(t, { key: t.adminKey }), jobId, state, { timeoutMs: 20_000 });
}

describe('market data from the exchange: backfill, throttling, gap repair', () => {
  let fake: ExchangeSimulator;
  let t: TestApp;

  beforeAll(async () => {
    fake = await ExchangeSimulator.start();
    for (const pair of ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'ADAUSDT']) {
      fake.load(pair, '1h', FIXTURE);
    }
    t = await startTestApp({
      worker: true,
      env: {
        DATABASE_URL: databaseUrl(scratchName('sync')),
        REDIS_PREFIX: scratchName('sync'),
        INTERVALS: '1h',
        EXCHANGE_REST_URL: fake.restUrl,
        EXCHANGE_WS_URL: fake.wsUrl,
        GAP_CONFIRMATIONS: '2',
        GAP_RECHECK_MS: '0',
      },
    });
  });
  afterAll(async () => {
    await t.close();
    await fake.close();
  });

  const backfill = (symbol: string) =>
    api(t, { key: t.adminKey }).post('/admin/backfill', {
      body: { symbol, interval: '1h', ...RANGE },
    });

  async function storedCandles(symbol: string): Promise<{ openTime: string; close: number }[]> {
    const page = await api(t, { key: t.adminKey }).get(`/candles/${symbol}`, {
      query: { interval: '1h', ...RANGE, limit: 1000 },
    });
    return page.body.candles;
  }

  function expectFixture(candles: { openTime: string; close: number }[]) {
    expect(candles).toHaveLength(254);
    expect(candles[0]?.openTime).toBe('2019-05-10T00:00:00.000Z');
    expect(candles[candles.length - 1]?.openTime).toBe('2019-05-20T23:00:00.000Z');
    expect(candles.reduce((sum, candle) => sum + candle.close, 0)).toBeCloseTo(1887996.76, 6);
  }

  async function market(symbol: string) {
    const markets = await api(t, { key: t.adminKey }).get('/markets');
    return markets.body.find((m) => m.symbol === symbol && m.interval === '1h')!;
  }

  it('stores exactly the exchange candles, records the outage as a known gap, and changes nothing when run again', async () => {
    const started = await backfill('BTC');
    expect(started.status).toBe(202);
    const job = await waitForJob(t, started.body.jobId);
    expect(job.result).toMatchObject({ fetched: 254, inserted: 254, updated: 0, knownGaps: 1 });
    expectFixture(await storedCandles('BTC'));
    expect(await market('BTC')).toMatchObject({
      count: 254,
      missing: 10,
      knownGaps: [{ from: GAP.from, to: GAP.to, candles: 10, checks: 1, confirmed: false }],
    });

    const again = await waitForJob(t, (await backfill('BTC')).body.jobId);
    expect(again.result).toMatchObject({ fetched: 254, inserted: 0, updated: 0, unchanged: 254 });
    expectFixture(await storedCandles('BTC'));
    // The second empty answer confirms it (GAP_CONFIRMATIONS=2): routine repair leaves it alone.
    expect((await market('BTC')).knownGaps).toEqual([
      { from: GAP.from, to: GAP.to, candles: 10, checks: 2, confirmed: true },
    ]);
    const before = fake.requests.length;
    const repair = await t.app.get(CandleSyncService).repairGaps({ symbol: 'BTC', interval: '1h' });
    expect(repair).toMatchObject({ holesFound: 1, holesSkipped: 1, candlesInserted: 0 });
    expect(fake.requests.length).toBe(before);
  });

  it('goes on with the candles that closed while an open-ended backfill ran', async () => {
    const sync = t.app.get(CandleSyncService);
    // The clock as the backfill sees it: mid-fixture when it starts, the fixture's end afterwards
    // (as if days of candles closed while it ran).
    const clock = jest
      .spyOn(sync, 'lastClosedOpenTime')
      .mockReturnValueOnce(Date.parse('2019-05-14T23:00:00Z'))
      .mockReturnValue(Date.parse(RANGE.to));
    try {
      const outcome = await sync.backfill({
        symbol: 'BTC',
        interval: '1h',
        from: Date.parse(RANGE.from),
        to: null,
      });
      expect(outcome.lastOpenTime).toBe('2019-05-20T23:00:00.000Z');
      expect(outcome.fetched).toBe(254);
    } finally {
      clock.mockRestore();
    }
  });

  it('waits out a 429 for its Retry-After and completes the data', async () => {
    fake.failNext({ status: 429, count: 2, retryAfterSec: 1 });
    const before = fake.requests.length;
    const started = Date.now();
    const jobId = (await backfill('ETH')).body.jobId;
    // The pause is shared at once, so other workers do not call the exchange during it either.
    const shared = await waitFor(
      async () => (await t.app.get(ExchangeStatusService).current()) ?? undefined,
      { timeoutMs: 5_000, what: 'the 429 pause shared in Redis' },
    );
    expect(shared.status).toBe(429);
    const job = await waitForJob(t, jobId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(job.result).toMatchObject({ fetched: 254, inserted: 254 });
    expectFixture(await storedCandles('ETH'));
    expect(
      fake.requests.slice(before).filter((path) => path.startsWith('/api/v3/klines')).length,
    ).toBeGreaterThanOrEqual(3);
  });

  it('finds a withheld range, records it, and repairs it once the exchange serves it', async () => {
    const from = Date.parse('2019-05-12T00:00:00Z');
    fake.withhold('ADAUSDT', '1h', from, from + 5 * HOUR_MS);
    const job = await waitForJob(t, (await backfill('ADA')).body.jobId);
    expect(job.result).toMatchObject({ fetched: 248, inserted: 248, knownGaps: 2 });
    expect((await market('ADA')).knownGaps).toHaveLength(2);

    fake.releaseAll();
    const repair = await t.app.get(CandleSyncService).repairGaps({ symbol: 'ADA', interval: '1h' });
    expect(repair).toMatchObject({ holesFound: 2, candlesInserted: 6, holesFilled: 1 });
    expectFixture(await storedCandles('ADA'));
    expect((await market('ADA')).knownGaps).toEqual([
      { from: GAP.from, to: GAP.to, candles: 10, checks: 2, confirmed: true },
    ]);
  });

  it('stops on 418, reports the ban, and sends nothing until it ends', async () => {
    fake.failNext({ status: 418, count: 1, retryAfterSec: 60 });
    const before = fake.requests.length;
    const started = await backfill('SOL');
    const job = await waitForJob(t, started.body.jobId, 'delayed');
    expect(job.progress).toMatchObject({ reason: expect.stringContaining('HTTP 418') });
    const sol = await market('SOL');
    expect(Date.parse(sol.live.exchangePausedUntil!)).toBeGreaterThan(Date.now() + 50_000);
    expect(sol.live.exchangePauseReason).toContain('banned');
    // The point is that nothing more is requested during the pause: an interval, then count.
    await sleep(1000);
    expect(fake.requests.length - before).toBe(1);
    expect(sol.count).toBe(0);
  });
});

describe('the live stream', () => {
  let fake: ExchangeSimulator;
  const apps: TestApp[] = [];
  const prefix = scratchName('live');
  const database = databaseUrl(scratchName('live'));
  let subscriber: Redis;
  const events: { pair: string; candle: Candle }[] = [];
  const now = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const candleAt = (openTime: number, close: number): Candle => ({
    openTime,
    open: 100,
    high: Math.max(100, close) + 1,
    low: Math.min(100, close) - 1,
    close,
    volume: 5,
    quoteVolume: 500,
    tradeCount: 10,
    takerBuyBaseVolume: 2,
    takerBuyQuoteVolume: 200,
  });

  const start = () =>
    startTestApp({
      worker: true,
      env: {
        DATABASE_URL: database,
        REDIS_PREFIX: prefix,
        SYMBOLS: 'BTC',
        INTERVALS: '1m',
        EXCHANGE_REST_URL: fake.restUrl,
        EXCHANGE_WS_URL: fake.wsUrl,
        BACKFILL_FROM: new Date(now - 30 * MINUTE_MS).toISOString(),
        LIVE_STREAM: 'true',
        STREAM_LEASE_MS: '1500',
      },
    });

  async function stored(openTime: number) {
    const page = await api(apps[0]!, { key: apps[0]!.adminKey }).get('/candles/BTC', {
      query: { interval: '1m', from: String(openTime), to: String(openTime) },
    });
    return page.body.candles[0];
  }

  beforeAll(async () => {
    fake = await ExchangeSimulator.start({ speed: 0 });
    // History up to four minutes ago; the last three closed minutes are withheld for now.
    fake.load(
      'BTCUSDT',
      '1m',
      Array.from({ length: 27 }, (_, i) => candleAt(now - 30 * MINUTE_MS + i * MINUTE_MS, 100 + i)),
    );
    subscriber = new Redis(REDIS_URL);
    await subscriber.subscribe(`${prefix}:events:candle.closed`);
    subscriber.on('message', (_channel: string, message: string) =>
      events.push(JSON.parse(message) as { pair: string; candle: Candle }),
    );
    apps.push(await start(), await start());
  });
  afterAll(async () => {
    subscriber.disconnect();
    for (const app of apps) {
      await app.close().catch(() => undefined);
    }
    await fake.close();
  });

  it('has exactly one owner, catches up at start, and stores only closed klines', async () => {
    await waitFor(async () => (fake.openConnections === 1 ? true : undefined), {
      timeoutMs: 10_000,
      what: 'one stream connection',
    });
    const owners = apps.map((app) => app.app.get(LiveCandlesService).isOwner);
    expect(owners.filter(Boolean)).toHaveLength(1);
    await waitFor(async () => ((await stored(now - 4 * MINUTE_MS)) ? true : undefined), {
      what: 'the catch-up backfill',
    });

    const openTime = now - 3 * MINUTE_MS;
    await fake.emit('BTCUSDT', '1m', candleAt(openTime, 150), false);
    // An open candle must not be stored: give it the time it would take, then look.
    await sleep(300);
    expect(await stored(openTime)).toBeUndefined();
    await fake.emit('BTCUSDT', '1m', candleAt(openTime, 155), true);
    await waitFor(async () => ((await stored(openTime))?.close === 155 ? true : undefined), {
      what: 'the closed candle',
    });
    await waitFor(
      async () =>
        events.some((event) => event.candle.openTime === openTime && event.candle.close === 155)
          ? true
          : undefined,
      {
        what: 'the candle.closed event',
      },
    );
    expect(events.some((event) => event.candle.close === 150)).toBe(false);
  });

  it('publishes nothing once another worker holds the lease, even before it notices', async () => {
    const redis = new Redis(REDIS_URL);
    try {
      // Another worker took the lease (as after an event-loop stall past it); for a second.
      await redis.set(`${prefix}:market-data:stream-owner`, 'someone-else', 'PX', 1000);
      await fake.emit('BTCUSDT', '1m', candleAt(now - 10 * MINUTE_MS, 158), true);
      // Nothing may be published: give it the time it would take, then look.
      await sleep(300);
      expect(events.some((event) => event.candle.close === 158)).toBe(false);
    } finally {
      redis.disconnect();
    }
    // The lease runs out; a worker takes the stream again.
    await waitFor(
      async () =>
        apps.some((app) => app.app.get(LiveCandlesService).isOwner) && fake.openConnections === 1
          ? true
          : undefined,
      { timeoutMs: 10_000, what: 'an owner again' },
    );
  });

  it('reconnects after a dropped connection and fetches the candles it missed', async () => {
    const opened = fake.connectionsOpened;
    // While the socket is down two more minutes close; the exchange has them in its history.
    fake.append('BTCUSDT', '1m', candleAt(now - 2 * MINUTE_MS, 160));
    fake.append('BTCUSDT', '1m', candleAt(now - MINUTE_MS, 161));
    fake.dropConnections();
    await waitFor(
      async () =>
        fake.connectionsOpened > opened && fake.openConnections === 1 ? true : undefined,
      {
        timeoutMs: 10_000,
        what: 'the reconnect',
      },
    );
    await waitFor(async () => ((await stored(now - MINUTE_MS))?.close === 161 ? true : undefined), {
      what: 'the missed candles',
    });
    expect((await stored(now - 2 * MINUTE_MS))?.close).toBe(160);
  });

  it('keeps the candles coming over REST while the websocket cannot reconnect', async () => {
    const missing = now - 5 * MINUTE_MS;
    const db = new Client({ connectionString: database });
    await db.connect();
    try {
      // A hole the stream's catch-up repairs (as it would the candles a long outage missed).
      await db.query(
        `DELETE FROM candles WHERE symbol = 'BTCUSDT' AND interval = '1m' AND open_time = to_timestamp($1 / 1000.0)`,
        [missing],
      );
    } finally {
      await db.end();
    }
    expect(await stored(missing)).toBeUndefined();
    fake.refuseStreams(true);
    try {
      fake.dropConnections();
      await waitFor(async () => ((await stored(missing)) ? true : undefined), {
        timeoutMs: 10_000,
        what: 'the candle fetched over REST while the stream is down',
      });
      expect(fake.openConnections).toBe(0);
    } finally {
      fake.refuseStreams(false);
    }
    await waitFor(async () => (fake.openConnections === 1 ? true : undefined), {
      timeoutMs: 40_000,
      what: 'the stream back',
    });
  }, 60_000);

  it('hands the stream to a survivor within 15 s when the owner dies, and misses nothing', async () => {
    const ownerIndex = apps.findIndex((app) => app.app.get(LiveCandlesService).isOwner);
    const survivor = apps[1 - ownerIndex]!;
    // Stop the owner's lease renewals without a clean release: its process "dies".
    const owner = apps[ownerIndex]!;
    await owner.close();
    const diedAt = Date.now();
    await waitFor(
      async () =>
        survivor.app.get(LiveCandlesService).isOwner && fake.openConnections === 1
          ? true
          : undefined,
      {
        timeoutMs: 15_000,
        what: 'the survivor to take over',
      },
    );
    expect(Date.now() - diedAt).toBeLessThan(15_000);
    apps.splice(ownerIndex, 1);
    await fake.emit('BTCUSDT', '1m', candleAt(now, 170), true);
    await waitFor(async () => ((await stored(now))?.close === 170 ? true : undefined), {
      what: 'a candle on the new owner',
    });
    const page = await api(survivor, { key: survivor.adminKey }).get('/candles/BTC', {
      query: { interval: '1m', from: String(now - 30 * MINUTE_MS), to: String(now) },
    });
    expect(page.body.candles).toHaveLength(31);
  });
});
