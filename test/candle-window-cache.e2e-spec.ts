import { join } from 'node:path';
import { MAX_TIME_MS } from '../src/common/time-param';
import { CandleWindowCache } from '../src/market-data/candle-window.cache';
import { CandleWriter } from '../src/market-data/candle-writer.service';
import { CandlesRepository } from '../src/market-data/candles.repository';
import { readCandleCsv } from '../src/simulator/candle-series';
import { databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const CANDLES = readCandleCsv(
  join(__dirname, 'fixtures', 'klines', 'BTCUSDT-1h-2022-08-20_2022-09-30.csv'),
).slice(0, 13);
const MARKET = { exchange: 'binance', symbol: 'BTCUSDT', interval: '1h' };
const openTimes = (candles: readonly { openTime: number }[] | undefined) =>
  candles?.map((candle) => candle.openTime);
const timesOf = (from: number, to: number) =>
  CANDLES.slice(from, to).map((candle) => candle.openTime);

describe('candle window cache', () => {
  let t: TestApp;
  let cache: CandleWindowCache;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        DATABASE_URL: databaseUrl(scratchName('window')),
        REDIS_PREFIX: scratchName('window'),
        SYMBOLS: 'BTC',
        INTERVALS: '1h',
      },
    });
    cache = t.app.get(CandleWindowCache);
    // Straight to the table: no candles.written is in flight to drop the window the test loads.
    await t.app.get(CandlesRepository).upsert(MARKET, CANDLES.slice(0, 10));
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  it('serves a decision at a candle committed before its candles.written arrived, from the table', async () => {
    // The window is loaded with the first ten candles.
    expect(openTimes(await cache.newest(MARKET, { count: 5, to: MAX_TIME_MS }))).toEqual(
      timesOf(5, 10),
    );
    // The eleventh is committed by another process; its event has not arrived (none is sent).
    await t.app.get(CandlesRepository).upsert(MARKET, [CANDLES[10]!]);
    const eleventh = CANDLES[10]!.openTime;
    // The window does not hold it yet, so "up to that time" is still the window's newest...
    expect(openTimes(await cache.newest(MARKET, { count: 5, to: eleventh }))).toEqual(
      timesOf(5, 10),
    );
    // ...but a read that must end at that candle gets it from the table.
    expect(openTimes(await cache.endingAt(MARKET, { count: 5, openTime: eleventh }))).toEqual(
      timesOf(6, 11),
    );
    // A candle that is not stored anywhere: no window.
    expect(
      await cache.endingAt(MARKET, { count: 5, openTime: CANDLES[12]!.openTime }),
    ).toBeUndefined();
    // A stored candle inside the window is served from it.
    expect(
      openTimes(await cache.endingAt(MARKET, { count: 3, openTime: CANDLES[7]!.openTime })),
    ).toEqual(timesOf(5, 8));
  });

  it('appends a live candle announced by candles.written to the window', async () => {
    const writer = t.app.get(CandleWriter);
    // Whatever the test before did: the first eleven stored, and the window loaded from them.
    await t.app.get(CandlesRepository).upsert(MARKET, CANDLES.slice(0, 11));
    cache.invalidate(MARKET);
    expect(openTimes(await cache.newest(MARKET, { count: 11, to: MAX_TIME_MS }))).toEqual(
      timesOf(0, 11),
    );
    await writer.upsertOne(MARKET, CANDLES[11]!);
    const window = await waitFor(
      async () => {
        const newest = await cache.newest(MARKET, { count: 4, to: MAX_TIME_MS });
        return newest[newest.length - 1]?.openTime === CANDLES[11]!.openTime ? newest : undefined;
      },
      { what: 'the twelfth candle in the window' },
    );
    expect(openTimes(window)).toEqual(timesOf(8, 12));
  });
});
