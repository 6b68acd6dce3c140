import { join } from 'node:path';
import request from 'supertest';
import type { Candle } from '../src/market-data/candle';
import { computeIndicators } from '../src/indicators/engine/indicator-computation';
import { defaultIndicatorSpecs, parseIndicatorList } from '../src/indicators/engine/indicator-spec';
import { readCandleCsv } from '../src/simulator/candle-series';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { api, fieldProblems, type Api } from './support/api';
import { databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const HOUR_MS = 3_600_000;
/** 300 real BTCUSDT 1h candles (2021-05-10 05:00 .. 2021-05-22 16:00), no gaps. */
const CANDLES = readCandleCsv(
  join(__dirname, '..', 'src', 'indicators', 'engine', 'fixtures', 'btcusdt-1h-300.csv'),
);
const FIRST = CANDLES[0]!.openTime;

function close(actual: number | null | undefined, expected: number | null): boolean {
  if (actual === undefined || actual === null || expected === null) {
    return actual === expected;
  }
  return Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected));
}

describe('indicators over stored candles and on the live path', () => {
  let sim: ExchangeSimulator;
  let t: TestApp;
  let http: Api;

  beforeAll(async () => {
    sim = await ExchangeSimulator.start({ speed: 0 });
    sim.load('BTCUSDT', '1h', CANDLES);
    t = await startTestApp({
      worker: true,
      env: {
        DATABASE_URL: databaseUrl(scratchName('ind')),
        REDIS_PREFIX: scratchName('ind'),
        SYMBOLS: 'BTC',
        INTERVALS: '1h',
        EXCHANGE: 'binance',
        EXCHANGE_REST_URL: sim.restUrl,
        EXCHANGE_WS_URL: sim.wsUrl,
        BACKFILL_FROM: new Date(FIRST).toISOString(),
        LIVE_STREAM: 'true',
      },
    });
    http = api(t, { key: t.adminKey });
    // The start-up catch-up backfill stores the 300 candles.
    await waitFor(
      async () => {
        const markets = await http.get('/markets');
        return markets.body[0]?.count === CANDLES.length ? true : undefined;
      },
      { what: 'the backfill of the fixture', timeoutMs: 20_000 },
    );
  });
  afterAll(async () => {
    await t.close();
    await sim.close();
  });

  it('lists the catalogue with parameters, outputs and warm-up', async () => {
    const response = await http.get('/indicators');
    expect(response.status).toBe(200);
    const names = response.body.map((entry) => entry.name);
    for (const name of [
      'sma',
      'ema',
      'wma',
      'rsi',
      'macd',
      'bb',
      'atr',
      'stoch',
      'stochrsi',
      'adx',
      'cci',
      'obv',
      'vwap',
      'mfi',
      'williamsr',
      'roc',
      'ichimoku',
      'psar',
      'bullishengulfing',
      'bearishengulfing',
      'doji',
      'hammer',
    ]) {
      expect(names).toContain(name);
    }
    const macd = response.body.find((entry) => entry.name === 'macd')!;
    expect(macd.defaultSpec).toBe('macd:12,26,9');
    expect(macd.outputs.map((o) => o.name)).toEqual(['macd', 'signal', 'histogram']);
  });

  it('serves every catalogue indicator aligned with the candle times, equal to the bulk computation', async () => {
    const specs = defaultIndicatorSpecs();
    const expected = computeIndicators(CANDLES, specs);
    // 60 candles from the middle of the history: earlier candles are loaded for the warm-up.
    const from = FIRST + 200 * HOUR_MS;
    const response = await http.get('/indicators/BTC', {
      query: {
        interval: '1h',
        names: specs.map((spec) => spec.key).join(','),
        from: String(from),
        limit: 60,
      },
    });
    expect(response.status).toBe(200);
    expect(response.body.openTimes).toHaveLength(60);
    expect(Date.parse(response.body.openTimes[0]!)).toBe(from);
    expect(response.body.nextFrom).toBe(new Date(from + 60 * HOUR_MS).toISOString());
    for (const [index, series] of response.body.indicators.entries()) {
      const reference = expected[index]!;
      expect(series.key).toBe(reference.spec.key);
      for (const output of series.outputs) {
        const wanted = reference.columns[output.name]!.slice(200, 260);
        const mismatches = output.values.filter((value, i) => !close(value, wanted[i] ?? null));
        expect({ key: series.key, output: output.name, mismatches }).toEqual({
          key: series.key,
          output: output.name,
          mismatches: [],
        });
      }
    }
  });

  it('has values from the first candle shown, and nulls only where history is too short', async () => {
    const names = 'rsi:14,macd:12,26,9,bb:20,2';
    const middle = await http.get('/indicators/BTC', {
      query: { names, from: String(FIRST + 100 * HOUR_MS), limit: 10 },
    });
    for (const series of middle.body.indicators) {
      for (const output of series.outputs) {
        expect(output.values.every((value) => value !== null)).toBe(true);
      }
    }
    const start = await http.get('/indicators/BTC', {
      query: { names: 'rsi:14', from: String(FIRST), limit: 20 },
    });
    const rsi = start.body.indicators[0]!.outputs[0]!.values;
    expect(rsi.slice(0, 14).every((value) => value === null)).toBe(true);
    expect(rsi.slice(14).every((value) => value !== null)).toBe(true);
    // Without `from`: the newest candles.
    const latest = await http.get('/indicators/BTC', { query: { names, limit: 3 } });
    expect(Date.parse(latest.body.openTimes[2]!)).toBe(CANDLES[CANDLES.length - 1]!.openTime);
  });

  it('updates the indicators incrementally on a closed kline: the live values equal the bulk ones', async () => {
    const last = CANDLES[CANDLES.length - 1]!;
    const next: Candle = {
      ...last,
      openTime: last.openTime + HOUR_MS,
      open: last.close,
      high: last.close + 250,
      low: last.close - 120,
      close: last.close + 180,
      volume: 1234.5,
    };
    await waitFor(async () => (sim.openConnections === 1 ? true : undefined), {
      what: 'the stream',
    });
    sim.append('BTCUSDT', '1h', next);
    await sim.emit('BTCUSDT', '1h', next, true);
    const names = defaultIndicatorSpecs()
      .map((spec) => spec.key)
      .join(',');
    const latest = await waitFor(
      async () => {
        const response = await http.get('/indicators/BTC/latest', { query: { names } });
        return response.body.source === 'live' &&
          Date.parse(response.body.openTime ?? '') === next.openTime
          ? response.body
          : undefined;
      },
      { what: 'the live indicators of the new candle' },
    );
    const expected = computeIndicators([...CANDLES, next], defaultIndicatorSpecs());
    for (const [index, indicator] of latest.indicators.entries()) {
      for (const output of indicator.outputs) {
        const wanted = expected[index]!.columns[output.name]![CANDLES.length] ?? null;
        expect({
          key: indicator.key,
          output: output.name,
          ok: close(output.value, wanted),
        }).toEqual({ key: indicator.key, output: output.name, ok: true });
      }
    }
    // The newest page (served from the in-memory window) already has the new candle: the write
    // dropped every cached window through Redis.
    const newest = await http.get('/indicators/BTC', { query: { names: 'rsi:14', limit: 2 } });
    expect(Date.parse(newest.body.openTimes[1]!)).toBe(next.openTime);
    // A name outside the live set is computed for the request, with the same answer shape.
    const computed = await http.get('/indicators/BTC/latest', { query: { names: 'ema:50' } });
    expect(computed.body.source).toBe('computed');
    const ema50 = computeIndicators([...CANDLES, next], parseIndicatorList('ema:50'))[0]!.columns
      .value![CANDLES.length]!;
    expect(close(computed.body.indicators[0]!.outputs[0]!.value, ema50)).toBe(true);
  });

  it('answers GraphQL the same', async () => {
    const response = await request(t.url)
      .post('/graphql')
      .set('x-api-key', t.adminKey)
      .send({
        query: `{ indicators(symbol: "BTC", names: "rsi:14", from: "${new Date(FIRST + 250 * HOUR_MS).toISOString()}", limit: 3) { openTimes indicators { key outputs { name values } } } }`,
      });
    expect(response.body.errors).toBeUndefined();
    const rest = await http.get('/indicators/BTC', {
      query: { names: 'rsi:14', from: String(FIRST + 250 * HOUR_MS), limit: 3 },
    });
    expect(response.body.data.indicators.indicators[0].outputs[0].values).toEqual(
      rest.body.indicators[0]!.outputs[0]!.values,
    );
  });

  it('refuses unknown indicators and bad parameters with a 400 naming them and listing what is valid', async () => {
    const unknown = await http.get('/indicators/BTC', { rawQuery: { names: 'rsi:14,foo:3' } });
    expect(unknown.status).toBe(400);
    const [unknownProblem] = fieldProblems(unknown.errorBody);
    expect(unknownProblem!.field).toBe('names');
    expect(unknownProblem!.problem).toContain('foo');
    expect(unknownProblem!.problem).toContain('macd');
    const badParam = await http.get('/indicators/BTC', { rawQuery: { names: 'rsi:0' } });
    expect(badParam.status).toBe(400);
    expect(fieldProblems(badParam.errorBody)[0]!.problem).toMatch(/period/);
    expect((await http.get('/indicators/BTC', { rawQuery: { interval: '7m' } })).status).toBe(400);
    expect((await http.get('/indicators/DOGE')).status).toBe(404);
    expect((await http.get('/indicators/BTC', { rawQuery: { limit: 1001 } })).status).toBe(400);
  });
});
