import { join } from 'node:path';
import { IMMUTABLE_MAX_AGE_SECONDS, newestClosedOpenTime } from '../src/common/http-cache';
import type { Candle } from '../src/market-data/candle';
import { readCandleCsv } from '../src/simulator/candle-series';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { api, type Api } from './support/api';
import { waitFor } from './support/wait-for';

const HOUR_MS = 3_600_000;
const RECORDED = readCandleCsv(
  join(__dirname, 'fixtures', 'klines', 'BTCUSDT-1h-2022-08-20_2022-09-30.csv'),
);
// The recorded hours moved to end one hour before the newest closed candle of the wall clock: the
// candle the test closes is then the newest closed one, and its reads last until the next close.
const SHIFT_MS =
  newestClosedOpenTime(HOUR_MS, Date.now()) - HOUR_MS - RECORDED[RECORDED.length - 1]!.openTime;
const CANDLES: Candle[] = RECORDED.map((candle) => ({
  ...candle,
  openTime: candle.openTime + SHIFT_MS,
}));

describe('HTTP caching: ETag, 304 on If-None-Match, Cache-Control until the next close', () => {
  let sim: ExchangeSimulator;
  let t: TestApp;
  let last = CANDLES[CANDLES.length - 1]!;
  /** An anonymous read (PUBLIC_READ=true), with If-None-Match when given. */
  const read = <Path extends Parameters<Api['get']>[0]>(path: Path, ifNoneMatch?: string) =>
    api(t).get(path, {
      headers: ifNoneMatch === undefined ? {} : { 'if-none-match': ifNoneMatch },
    });

  /**
   * A read of the candle `openTime`, answered between `beforeMs` and `afterMs`: kept until the
   * next close while that candle is the newest closed one, else revalidated every time (the hour
   * turned during the test).
   */
  function expectUntilNextClose(params: {
    cacheControl: string;
    openTime: number;
    beforeMs: number;
    afterMs: number;
    scope: 'public' | 'private';
  }): void {
    const { cacheControl, openTime, beforeMs, afterMs, scope } = params;
    if (
      newestClosedOpenTime(HOUR_MS, beforeMs) !== openTime ||
      newestClosedOpenTime(HOUR_MS, afterMs) !== openTime
    ) {
      expect(cacheControl).toBe(`${scope}, max-age=0, must-revalidate`);
      return;
    }
    const nextCloseMs = openTime + 2 * HOUR_MS;
    const match = new RegExp(`^${scope}, max-age=(\\d+)$`).exec(cacheControl);
    expect(match).not.toBeNull();
    const maxAge = Number(match![1]);
    expect(maxAge).toBeLessThanOrEqual(Math.floor((nextCloseMs - beforeMs) / 1000));
    expect(maxAge).toBeGreaterThanOrEqual(Math.floor((nextCloseMs - afterMs) / 1000));
  }

  /** Reads `path` anonymously and checks the answer is kept until the next close. */
  async function readCurrent<Path extends Parameters<Api['get']>[0]>(path: Path, openTime: number) {
    const beforeMs = Date.now();
    const response = await read(path);
    const afterMs = Date.now();
    expect(response.status).toBe(200);
    expectUntilNextClose({
      cacheControl: response.headers['cache-control'] as string,
      openTime,
      beforeMs,
      afterMs,
      scope: 'public',
    });
    return response;
  }

  beforeAll(async () => {
    sim = await ExchangeSimulator.start({ speed: 0 });
    sim.load('BTCUSDT', '1h', CANDLES);
    t = await startTestApp({
      worker: true,
      env: {
        DATABASE_URL: databaseUrl(scratchName('httpcache')),
        REDIS_PREFIX: scratchName('httpcache'),
        SYMBOLS: 'BTC',
        INTERVALS: '1h',
        MODEL_INTERVALS: '1h',
        EXCHANGE: 'binance',
        EXCHANGE_REST_URL: sim.restUrl,
        EXCHANGE_WS_URL: sim.wsUrl,
        BACKFILL_FROM: new Date(CANDLES[0]!.openTime).toISOString(),
        LIVE_STREAM: 'true',
        PUBLIC_READ: 'true',
      },
    });
    await waitFor(
      async () =>
        (await read('/markets')).body[0]?.count === CANDLES.length && sim.openConnections === 1
          ? true
          : undefined,
      { what: 'the backfill and the stream', timeoutMs: 30_000 },
    );
    // A strategy that needs no model decides on every closed candle.
    const created = await api(t, { key: t.adminKey }).post('/admin/strategies', {
      body: {
        name: 'always',
        definition: {
          rules: [
            { label: 'RSI below 101', input: 'rsi', condition: { op: '<', value: 101 }, weight: 1 },
          ],
          thresholds: { buy: 0.5, sell: -0.5 },
        },
      },
    });
    expect(created.status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('gives /predict a stable strong ETag and answers If-None-Match with 304 and no body', async () => {
    const first = await waitFor(
      async () => {
        const response = await read('/predict/BTC');
        return response.status === 200 ? response : undefined;
      },
      { what: 'the baseline forecast after the backfill', timeoutMs: 20_000 },
    );
    expect(Date.parse(first.body.openTime)).toBe(last.openTime);
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    expect(first.headers.vary).toBe('x-api-key, authorization');
    // The candle it is about is an hour behind the clock: caches must ask again every time.
    expect(first.headers['cache-control']).toBe('public, max-age=0, must-revalidate');

    const second = await read('/predict/BTC');
    expect(second.headers.etag).toBe(etag);
    expect(second.text).toBe(first.text);

    for (const ifNoneMatch of [etag, `"other", ${etag}`, `W/${etag}`, '*']) {
      const notModified = await read('/predict/BTC', ifNoneMatch);
      expect(notModified.status).toBe(304);
      expect(notModified.text ?? '').toBe('');
      expect(notModified.headers['content-length']).toBeUndefined();
      expect(notModified.headers.etag).toBe(etag);
      expect(notModified.headers['cache-control']).toBe(first.headers['cache-control']);
    }
    expect((await read('/predict/BTC', '"other"')).status).toBe(200);
  });

  it('changes the ETags when a candle closes, and keeps the new answers until the next close', async () => {
    const before = {
      predict: (await read('/predict/BTC')).headers.etag as string,
      indicators: (await read('/indicators/BTC/latest')).headers.etag as string,
    };
    last = await sim.closeNext('BTCUSDT', '1h', last, 0.002);

    const predict = await waitFor(
      async () => {
        const response = await read('/predict/BTC', before.predict);
        return response.status === 200 && Date.parse(response.body.openTime) === last.openTime
          ? response
          : undefined;
      },
      { what: 'the forecast of the closed candle', timeoutMs: 15_000 },
    );
    expect(predict.headers.etag).not.toBe(before.predict);
    // The old ETag now gets the new body, the new one a 304.
    expect((await read('/predict/BTC', before.predict)).status).toBe(200);
    expect((await read('/predict/BTC', predict.headers.etag as string)).status).toBe(304);
    await readCurrent('/predict/BTC', last.openTime);

    // One signal per active strategy: the shipped default and `always`.
    await waitFor(
      async () => {
        const body = (await api(t).get('/signals/BTC')).body;
        return body.length === 2 && body.every((s) => Date.parse(s.openTime) === last.openTime)
          ? true
          : undefined;
      },
      { what: 'the signals of the closed candle', timeoutMs: 15_000 },
    );
    const signalRead = await readCurrent('/signals/BTC', last.openTime);
    expect((await read('/signals/BTC', signalRead.headers.etag as string)).status).toBe(304);

    await waitFor(
      async () => {
        const { openTime } = (await read('/indicators/BTC/latest')).body;
        return openTime && Date.parse(openTime) === last.openTime ? true : undefined;
      },
      { what: 'the indicators of the closed candle', timeoutMs: 15_000 },
    );
    const indicators = await readCurrent('/indicators/BTC/latest', last.openTime);
    expect(indicators.headers.etag).not.toBe(before.indicators);
    expect((await read('/indicators/BTC/latest', before.indicators)).status).toBe(200);
    expect((await read('/indicators/BTC/latest', indicators.headers.etag as string)).status).toBe(
      304,
    );
  });

  it('keeps keyed answers out of shared caches', async () => {
    const beforeMs = Date.now();
    const response = await api(t, { key: t.adminKey }).get('/predict/BTC');
    expect(response.status).toBe(200);
    expectUntilNextClose({
      cacheControl: response.headers['cache-control'] as string,
      openTime: last.openTime,
      beforeMs,
      afterMs: Date.now(),
      scope: 'private',
    });
    expect(response.headers.vary).toBe('x-api-key, authorization');
    // The same body, so the same ETag, whoever asks.
    expect(response.headers.etag).toBe((await read('/predict/BTC')).headers.etag);
  });

  it('marks a closed candle range immutable, and a range with the newest candle not', async () => {
    const from = new Date(CANDLES[0]!.openTime).toISOString();
    const to = new Date(CANDLES[9]!.openTime).toISOString();
    const closed = await read(`/candles/BTC?from=${from}&to=${to}`);
    expect(closed.status).toBe(200);
    expect(closed.body.candles).toHaveLength(10);
    expect(closed.headers['cache-control']).toBe(
      `public, max-age=${IMMUTABLE_MAX_AGE_SECONDS}, immutable`,
    );
    expect(
      (await read(`/candles/BTC?from=${from}&to=${to}`, closed.headers.etag as string)).status,
    ).toBe(304);
    // A full page of a closed range, and the page its cursor leads to.
    const paged = await read(`/candles/BTC?from=${from}&to=${to}&limit=4`);
    expect(paged.headers['cache-control']).toContain('immutable');
    const next = await read(
      `/candles/BTC?from=${from}&to=${to}&limit=4&cursor=${paged.body.nextCursor!}`,
    );
    expect(next.body.candles).toHaveLength(4);
    expect(next.headers['cache-control']).toContain('immutable');
    // Without `to` the range grows at every close; with its own end it can still gain candles.
    expect(
      (await read(`/candles/BTC?from=${from}&limit=10`)).headers['cache-control'],
    ).not.toContain('immutable');

    const recentFrom = new Date(last.openTime - 4 * HOUR_MS).toISOString();
    const recent = await readCurrent(`/candles/BTC?from=${recentFrom}`, last.openTime);
    expect(recent.body.candles).toHaveLength(5);
    expect(recent.headers['cache-control']).not.toContain('immutable');
    const upToNewest = await read(
      `/candles/BTC?from=${recentFrom}&to=${new Date(last.openTime).toISOString()}`,
    );
    expect(upToNewest.headers['cache-control']).not.toContain('immutable');
  });
});
