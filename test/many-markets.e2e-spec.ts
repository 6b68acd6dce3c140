import { Client } from 'pg';
import WebSocket from 'ws';
import { BinanceKlineStream } from '../src/market-data/exchange/binance-kline-stream';
import type { ExchangeMarket, LiveStream } from '../src/market-data/exchange/market-data.provider';
import { MarketCatalogue, intervalMs } from '../src/market-data/market-catalogue';
import { LiveCandlesService } from '../src/market-data/stream/live-candles.service';
import { CandleSyncService } from '../src/market-data/sync/candle-sync.service';
import { JobName, QueueName, type JobPayload } from '../src/queue/queue.catalogue';
import { QueueService } from '../src/queue/queue.service';
import { ExchangeSimulator, type SimulatedMarket } from '../src/simulator/exchange-simulator';
import { manyMarkets } from '../src/simulator/simulated-markets';
import { databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MARKET_COUNT = 200;
const MIN_QUOTE_VOLUME = 100_000;
const PER_CONNECTION = 50;
/** The simulator's weight budget: 100 per 2 s window, far less than the backfill needs. */
const WEIGHT_LIMIT = 100;
const WEIGHT_WINDOW_SECONDS = 2;

/** The hour the simulator's clock starts in: four hours back, so three closes stay in the past. */
const START = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - 4 * HOUR_MS + 1000;
const ORIGIN = Math.floor((START - DAY_MS) / DAY_MS) * DAY_MS;
/** Open time of the newest candle closed when the simulator starts. */
const LAST_CLOSED = Math.floor(START / HOUR_MS) * HOUR_MS - HOUR_MS;

/** What SYMBOLS=* should follow, worked out from the listing itself. */
function expectedBases(markets: readonly SimulatedMarket[]): string[] {
  return markets
    .filter(
      (market) =>
        market.quoteAsset === 'USDT' &&
        (market.status ?? 'TRADING') === 'TRADING' &&
        (market.quoteVolume24h ?? 0) >= MIN_QUOTE_VOLUME,
    )
    .map((market) => market.baseAsset)
    .sort();
}

function klineSymbols(requests: readonly string[]): string[] {
  return requests
    .filter((path) => path.startsWith('/api/v3/klines'))
    .map((path) => new URL(path, 'http://x').searchParams.get('symbol') ?? '');
}

describe('many markets: SYMBOLS=* against a Binance-wire exchange', () => {
  let sim: ExchangeSimulator;
  let t: TestApp;
  let db: Client;
  let expected: string[];

  /** Per pair, the open time of its newest stored 1h candle. */
  async function newestStored(): Promise<Map<string, number>> {
    const rows = await db.query<{ symbol: string; newest: Date }>(
      `SELECT symbol, max(open_time) AS newest FROM candles WHERE interval = '1h' GROUP BY symbol`,
    );
    return new Map(rows.rows.map((row) => [row.symbol, row.newest.getTime()]));
  }

  async function allStoredUpTo(openTime: number, what: string): Promise<void> {
    await waitFor(
      async () => {
        const newest = await newestStored();
        return expected.every((base) => (newest.get(`${base}USDT`) ?? 0) >= openTime)
          ? true
          : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, what },
    );
  }

  beforeAll(async () => {
    sim = await ExchangeSimulator.start({
      speed: 0,
      startTime: START,
      weightLimitPerMinute: WEIGHT_LIMIT,
      weightWindowSeconds: WEIGHT_WINDOW_SECONDS,
      maxStreamsPerConnection: PER_CONNECTION,
      markets: [
        ...manyMarkets({
          count: MARKET_COUNT,
          quote: 'USDT',
          intervals: ['1h'],
          origin: ORIGIN,
          seed: 'many',
          notTradingEvery: 13,
          lowVolumeEvery: 7,
          lowQuoteVolume: MIN_QUOTE_VOLUME / 2,
        }),
        // Another quote: never followed with QUOTE=USDT.
        ...manyMarkets({ count: 3, quote: 'BTC', intervals: ['1h'], origin: ORIGIN, seed: 'btc' }),
      ],
    });
    expected = expectedBases(sim.listedMarkets());
    // The service takes "closed by now" from the exchange's clock, which runs hours behind this
    // machine's here (so its closes stay in the past): else the candle forming on the exchange
    // would count as closed and be stored unfinished.
    jest
      .spyOn(CandleSyncService.prototype, 'lastClosedOpenTime')
      .mockImplementation((interval: string, now?: number) => {
        const step = intervalMs(interval);
        return Math.floor((now ?? sim.now()) / step) * step - step;
      });
    const name = scratchName('many');
    t = await startTestApp({
      worker: true,
      env: {
        DATABASE_URL: databaseUrl(name),
        REDIS_PREFIX: name,
        SYMBOLS: '*',
        SYMBOLS_MIN_QUOTE_VOLUME: String(MIN_QUOTE_VOLUME),
        QUOTE: 'USDT',
        INTERVALS: '1h',
        EXCHANGE: 'binanceus',
        EXCHANGE_REST_URL: sim.restUrl,
        EXCHANGE_WS_URL: sim.wsUrl,
        LIVE_STREAM: 'true',
        STREAM_MAX_PER_CONNECTION: String(PER_CONNECTION),
        BACKFILL_FROM: new Date(ORIGIN).toISOString(),
      },
    });
    db = new Client({ connectionString: databaseUrl(name) });
    await db.connect();
  }, 60_000);

  afterAll(async () => {
    await db?.end();
    await t?.close();
    await sim?.close();
    jest.restoreAllMocks();
  });

  it('follows every trading USDT pair above the volume floor, and no other', () => {
    // 200 listed: 15 in BREAK, 26 more under the floor.
    expect(expected).toHaveLength(159);
    expect(t.app.get(MarketCatalogue).bases).toEqual(expected);
    expect(sim.requests.filter((path) => path.startsWith('/api/v3/ticker/24hr'))).toHaveLength(1);
  });

  it('backfills every market within the weight budget: no 429, the used weight never past the limit', async () => {
    await allStoredUpTo(LAST_CLOSED, 'the backfill of every market');
    const newest = await newestStored();
    expect([...newest.keys()].sort()).toEqual(expected.map((base) => `${base}USDT`));
    const klines = klineSymbols(sim.requests);
    // Weight 2 a page: the backfill needed several windows' budget and was paced across them.
    expect(klines.length * 2).toBeGreaterThan(3 * WEIGHT_LIMIT);
    expect(sim.weightRefusals).toBe(0);
    expect(sim.maxUsedWeight).toBeLessThanOrEqual(WEIGHT_LIMIT);
  });

  it(`carries the streams on ceil(N / ${PER_CONNECTION}) connections, within Binance's limits, and stores a closed candle of every market`, async () => {
    const live = t.app.get(LiveCandlesService);
    await waitFor(
      async () =>
        live.isOwner && sim.connectionStreams().flat().length === expected.length
          ? true
          : undefined,
      { timeoutMs: 20_000, what: 'every stream subscribed' },
    );
    const connections = sim.connectionStreams();
    expect(connections).toHaveLength(Math.ceil(expected.length / PER_CONNECTION));
    expect(connections.flat().sort()).toEqual(
      expected.map((base) => `${base.toLowerCase()}usdt@kline_1h`),
    );
    expect(sim.maxStreamsOnOneConnection).toBeLessThanOrEqual(PER_CONNECTION);
    expect(sim.limitViolations).toEqual([]);

    await sim.advance(HOUR_MS);
    const closed = LAST_CLOSED + HOUR_MS;
    await allStoredUpTo(closed, 'the closed candle of every market');
    const rows = await db.query<{ symbol: string; close: number }>(
      `SELECT symbol, close FROM candles WHERE interval = '1h' AND open_time = $1`,
      [new Date(closed)],
    );
    expect(rows.rows).toHaveLength(expected.length);
    for (const row of rows.rows) {
      expect(row.close).toBe(sim.candleAt(row.symbol, '1h', closed)?.close);
    }
  });

  it('reconnects a dropped connection alone and repairs only its markets', async () => {
    // From a quiet start: the catch-ups of the first connects have all run (the delayed job is the
    // hourly repair's next run).
    const queue = t.app.get(QueueService).queue(QueueName.MarketData);
    await waitFor(
      async () => {
        const counts = await queue.getJobCounts('waiting', 'active', 'prioritized');
        return Object.values(counts).every((count) => count === 0) ? true : undefined;
      },
      { timeoutMs: 30_000, what: 'the market-data queue to drain' },
    );
    const connections = sim.connectionStreams();
    const victim = connections[1]!;
    const victimPairs = new Set(victim.map((stream) => stream.split('@')[0]!.toUpperCase()));
    const opened = sim.connectionsOpened;
    const requestsBefore = sim.requests.length;
    expect(sim.dropConnectionsCarrying(victim[0]!)).toBe(1);
    // The next hour closes while that connection is down: its markets miss the closed kline.
    await sim.advance(HOUR_MS);
    const closed = LAST_CLOSED + 2 * HOUR_MS;
    await allStoredUpTo(closed, 'the second closed candle of every market');
    await waitFor(
      async () => (sim.connectionStreams().flat().length === expected.length ? true : undefined),
      { what: 'the dropped connection resubscribed' },
    );
    expect(sim.connectionsOpened).toBe(opened + 1);
    const repaired = klineSymbols(sim.requests.slice(requestsBefore));
    expect(repaired.length).toBeGreaterThan(0);
    expect(repaired.filter((pair) => !victimPairs.has(pair))).toEqual([]);
    expect(new Set(repaired)).toEqual(victimPairs);
    // The catch-up jobs of the drop (and the reconnect) name exactly the dropped connection's markets.
    const jobs = await queue.getJobs(['completed', 'active', 'waiting', 'delayed', 'failed']);
    const caughtUp = new Set(
      jobs
        .filter((job) => job.name === JobName.Backfill)
        .map((job) => job.data as JobPayload<JobName.Backfill>)
        .filter((data) => data.reason === 'stream-down' || data.reason === 'stream-reconnect')
        .map((data) => `${data.symbol}USDT`),
    );
    expect(caughtUp).toEqual(victimPairs);
    expect(sim.limitViolations).toEqual([]);
    expect(sim.weightRefusals).toBe(0);
  });
});

describe('the Binance kline stream with many markets', () => {
  let sim: ExchangeSimulator;
  let stream: LiveStream | undefined;
  afterEach(async () => {
    await stream?.close();
    await sim.close();
  });

  it('subscribes 1,000 streams on one connection in paced SUBSCRIBE messages, under 5 a second', async () => {
    const markets = manyMarkets({
      count: 1000,
      quote: 'USDT',
      intervals: ['1h'],
      origin: Date.UTC(2024, 0, 1),
      seed: 'paced',
    });
    sim = await ExchangeSimulator.start({ speed: 0, markets });
    const connected: (readonly ExchangeMarket[])[] = [];
    stream = new BinanceKlineStream({
      baseUrl: sim.wsUrl,
      markets: markets.map((market) => ({ symbol: market.symbol, interval: '1h' })),
      handlers: {
        onKline: () => undefined,
        onConnected: ({ markets: subscribed }) => connected.push(subscribed),
        onDisconnected: () => undefined,
      },
    });
    await waitFor(async () => (connected.length ? true : undefined), {
      what: 'the subscriptions acknowledged',
    });
    expect(connected[0]).toHaveLength(1000);
    expect(sim.connectionStreams().map((streams) => streams.length)).toEqual([1000]);
    expect(sim.limitViolations).toEqual([]);
    expect(stream.connected).toBe(true);
  });

  it("lists many markets in Binance's format: status, 24 h quote volume, the weight window's header", async () => {
    const markets = manyMarkets({
      count: 30,
      quote: 'USDT',
      intervals: ['1h'],
      origin: Date.UTC(2024, 0, 1),
      seed: 'listing',
      notTradingEvery: 10,
      lowVolumeEvery: 4,
    });
    sim = await ExchangeSimulator.start({
      speed: 0,
      startTime: Date.UTC(2024, 0, 3),
      markets,
      weightLimitPerMinute: 300,
      weightWindowSeconds: 90,
    });
    const info = await fetch(`${sim.restUrl}/api/v3/exchangeInfo`);
    expect(info.headers.get('x-mbx-used-weight-90s')).toBe('20');
    const body = (await info.json()) as {
      rateLimits: unknown[];
      symbols: { symbol: string; status: string }[];
    };
    expect(body.rateLimits).toContainEqual({
      rateLimitType: 'REQUEST_WEIGHT',
      interval: 'SECOND',
      intervalNum: 90,
      limit: 300,
    });
    expect(body.symbols).toHaveLength(30);
    expect(body.symbols.filter((entry) => entry.status !== 'TRADING').map((e) => e.symbol)).toEqual(
      ['C0010USDT', 'C0020USDT', 'C0030USDT'],
    );
    const one = await fetch(`${sim.restUrl}/api/v3/exchangeInfo?symbol=C0002USDT`);
    expect(((await one.json()) as typeof body).symbols.map((e) => e.symbol)).toEqual(['C0002USDT']);

    const tickers = await fetch(`${sim.restUrl}/api/v3/ticker/24hr`);
    expect(tickers.headers.get('x-mbx-used-weight-90s')).toBe('120');
    const volumes = (await tickers.json()) as { symbol: string; quoteVolume: string }[];
    expect(volumes).toHaveLength(30);
    expect(volumes.find((ticker) => ticker.symbol === 'C0004USDT')?.quoteVolume).toBe('1000');
    expect(volumes.find((ticker) => ticker.symbol === 'C0003USDT')?.quoteVolume).toBe('4000000');
    const single = await fetch(`${sim.restUrl}/api/v3/ticker/24hr?symbol=C0003USDT`);
    expect(single.headers.get('x-mbx-used-weight-90s')).toBe('122');
    expect(await single.json()).toMatchObject({ symbol: 'C0003USDT', quoteVolume: '4000000' });
  });

  it('is disconnected by the exchange past its message rate or stream count, as Binance does', async () => {
    sim = await ExchangeSimulator.start({ speed: 0, maxStreamsPerConnection: 3 });
    const socket = new WebSocket(`${sim.wsUrl}/stream`);
    const replies: unknown[] = [];
    socket.on('message', (data: WebSocket.RawData) => replies.push(JSON.parse(data.toString())));
    const closedWith = new Promise<number>((resolve) => socket.once('close', resolve));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send(JSON.stringify({ method: 'SUBSCRIBE', params: ['aaausdt@kline_1m'], id: 1 }));
    await waitFor(async () => (replies.length ? true : undefined), { what: 'the reply' });
    expect(replies).toEqual([{ result: null, id: 1 }]);
    socket.send(
      JSON.stringify({
        method: 'SUBSCRIBE',
        params: ['bbbusdt@kline_1m', 'cccusdt@kline_1m', 'dddusdt@kline_1m'],
        id: 2,
      }),
    );
    expect(await closedWith).toBe(1008);
    expect(replies).toHaveLength(1);
    expect(sim.limitViolations).toEqual([
      expect.objectContaining({ kind: 'stream-count', count: 4 }),
    ]);

    const chatty = new WebSocket(`${sim.wsUrl}/stream`);
    const chattyClosed = new Promise<number>((resolve) => chatty.once('close', resolve));
    await new Promise((resolve) => chatty.once('open', resolve));
    for (let id = 1; id <= 6; id += 1) {
      chatty.send(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', id }));
    }
    expect(await chattyClosed).toBe(1008);
    expect(sim.limitViolations).toHaveLength(2);
    expect(sim.limitViolations[1]?.kind).toBe('message-rate');
  });
});
