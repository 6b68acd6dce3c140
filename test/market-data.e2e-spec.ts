import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { KlinesImportService } from '../src/market-data/import/klines-import.service';
import { api, fieldProblems, type Api, type Schema } from './support/api';
import { databaseUrl, scratchName, testEnv } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';

const FIXTURES = join(__dirname, 'fixtures', 'klines');
const DAY_MS = 86_400_000;

type Candle = Schema<'CandleDto'>;
/** Golden numbers of the fixture files, computed from the source CSV (test/fixtures/README.md). */
const DAYS = {
  '2021-04-02': { first: 1617321600000, last: 1617407940000, sumOfCloses: 85346840.37 },
  '2021-04-03': { first: 1617408000000, last: 1617494340000, sumOfCloses: 84852723.4 },
  '2021-04-04': { first: 1617494400000, last: 1617580740000, sumOfCloses: 83093244.57 },
};

function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [join(__dirname, '..', 'dist', 'src', 'cli.js'), ...args],
      { env },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('market data: import and the candles API', () => {
  let t: TestApp;
  let http: Api;
  const database = scratchName('md');

  beforeAll(async () => {
    t = await startTestApp({ env: { DATABASE_URL: databaseUrl(database), INTERVALS: '1m,1h' } });
    http = api(t, { key: t.adminKey });
  });
  afterAll(async () => {
    await t.close();
  });

  async function candlesOfDay(day: keyof typeof DAYS) {
    const { first } = DAYS[day];
    const pageAfter = (cursor: string | undefined) =>
      http.get('/candles/BTC', {
        query: {
          interval: '1m',
          from: String(first),
          to: String(first + DAY_MS - 1),
          limit: 1000,
          ...(cursor ? { cursor } : {}),
        },
      });
    const candles: Candle[] = [];
    let cursor: string | undefined;
    do {
      const page = await pageAfter(cursor);
      expect(page.status).toBe(200);
      candles.push(...page.body.candles);
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    return candles;
  }

  function expectDay(candles: Candle[], day: keyof typeof DAYS) {
    expect(candles).toHaveLength(1440);
    expect(Date.parse(candles[0]!.openTime)).toBe(DAYS[day].first);
    expect(Date.parse(candles[candles.length - 1]!.openTime)).toBe(DAYS[day].last);
    expect(candles.reduce((sum, candle) => sum + candle.close, 0)).toBeCloseTo(
      DAYS[day].sumOfCloses,
      4,
    );
  }

  it('imports a Binance dump in milliseconds, one in microseconds and a zipped one, exactly', async () => {
    const importer = t.app.get(KlinesImportService);
    const summary = await importer.import({
      symbol: 'BTC',
      interval: '1m',
      paths: [
        join(FIXTURES, 'BTCUSDT-1m-2021-04-02.csv'),
        join(FIXTURES, 'BTCUSDT-1m-2021-04-03-microseconds.csv'),
        join(FIXTURES, 'BTCUSDT-1m-2021-04-04.zip'),
      ],
    });
    expect(summary).toMatchObject({
      files: 3,
      rowsRead: 4320,
      inserted: 4320,
      updated: 0,
      alreadyPresent: 0,
      rejected: 0,
    });
    expectDay(await candlesOfDay('2021-04-02'), '2021-04-02');
    expectDay(await candlesOfDay('2021-04-03'), '2021-04-03');
    expectDay(await candlesOfDay('2021-04-04'), '2021-04-04');

    const again = await importer.import({
      symbol: 'BTCUSDT',
      interval: '1m',
      paths: [join(FIXTURES, 'BTCUSDT-1m-2021-04-04.zip')],
    });
    expect(again).toMatchObject({
      rowsRead: 1440,
      inserted: 0,
      updated: 0,
      alreadyPresent: 1440,
      rejected: 0,
    });
  });

  it('keeps the twelve Binance columns', async () => {
    const page = await http.get('/candles/BTC-USDT', {
      query: { interval: '1m', from: '2021-04-03T00:00:00Z', limit: 1 },
    });
    expect(page.body.candles[0]).toEqual({
      openTime: '2021-04-03T00:00:00.000Z',
      open: 58950.01,
      high: 59006.19,
      low: 58940.73,
      close: 59000.16,
      volume: 34.837659,
      quoteVolume: 2054525.59512808,
      tradeCount: 1394,
    });
  });

  it('imports through the CLI with a summary that names every rejected reason', async () => {
    const result = await runCli(
      [
        'import-klines',
        '--symbol',
        'BTC',
        '--interval',
        '1m',
        join(FIXTURES, 'BTCUSDT-1m-2021-04-05-with-bad-rows.csv'),
      ],
      testEnv({ DATABASE_URL: databaseUrl(database), INTERVALS: '1m,1h' }),
    );
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('15 rows read from 1 file(s)');
    expect(result.stdout).toContain('inserted 10, updated 0, already present 0, rejected 5');
    for (const reason of [
      'open time is not on the interval grid',
      'high/low do not contain open and close',
      'a price is missing, not a number, or not positive',
      'volume is missing, not a number, or negative',
    ]) {
      expect(result.stdout).toContain(reason);
    }
    const stored = await http.get('/candles/BTC', {
      query: { interval: '1m', from: '2021-04-05T00:00:00Z', to: '2021-04-05T23:59:00Z' },
    });
    expect(stored.body.candles).toHaveLength(10);
    expect(stored.body.candles.reduce((sum, candle) => sum + candle.close, 0)).toBeCloseTo(
      582495.63,
      6,
    );
  });

  it('lists every configured market with its range and missing candles', async () => {
    const markets = await http.get('/markets');
    expect(markets.status).toBe(200);
    expect(markets.body).toHaveLength(8);
    const btc = markets.body.find((m) => m.symbol === 'BTC' && m.interval === '1m');
    expect(btc).toMatchObject({
      pair: 'BTCUSDT',
      exchange: 'binanceus',
      firstOpenTime: '2021-04-02T00:00:00.000Z',
      lastOpenTime: '2021-04-05T00:09:00.000Z',
      count: 4330,
      missing: 0,
      knownGaps: [],
      live: { connected: false, owner: null },
    });
    const eth = markets.body.find((m) => m.symbol === 'ETH' && m.interval === '1h');
    expect(eth).toMatchObject({ count: 0, firstOpenTime: null, lastOpenTime: null });
  });

  describe('bad input', () => {
    it('answers 404 listing the known symbols for an unknown one', async () => {
      const response = await http.get('/candles/DOGE');
      expect(response.status).toBe(404);
      expect(response.errorBody.message).toContain('known symbols: BTC, ETH, SOL, ADA');
    });

    it('answers 400 listing the valid intervals for a bad one', async () => {
      const response = await http.get('/candles/BTC', { rawQuery: { interval: '7m' } });
      expect(response.status).toBe(400);
      expect(response.errorBody.details).toEqual([
        { field: 'interval', problem: 'must be one of 1m, 1h (got 7m)' },
      ]);
    });

    it.each([
      [{ from: '2021-04-03', to: '2021-04-02' }, 'from', 'must not be after to'],
      [{ limit: 0 }, 'limit', 'must not be less than 1'],
      [{ limit: 1001 }, 'limit', 'must not be greater than 1000'],
      [{ limit: 'ten' }, 'limit', 'must be an integer number'],
      [
        { from: 'yesterday' },
        'from',
        'must be an ISO-8601 time or epoch milliseconds between 1970 and 2200',
      ],
      [{ cursor: 'bm9wZQ' }, 'cursor', 'is not a cursor this API returned'],
      // Well-formed, but a time past what a Date holds (was a 500 from PostgreSQL).
      [
        { cursor: Buffer.from('t:9999999999999999').toString('base64url') },
        'cursor',
        'is not a cursor this API returned',
      ],
    ])('answers 400 to %j naming %s', async (query, field, problem) => {
      const response = await http.get('/candles/BTC', { rawQuery: query });
      expect(response.status).toBe(400);
      expect(response.errorBody.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ field })]),
      );
      expect(JSON.stringify(response.errorBody.details)).toContain(problem);
    });

    it('validates admin backfill requests', async () => {
      expect(
        (
          await http.post('/admin/backfill', {
            body: { symbol: 'DOGE', interval: '1h', from: '2021-01-01' },
          })
        ).status,
      ).toBe(404);
      const badInterval = await http.post('/admin/backfill', {
        rawBody: { symbol: 'BTC', interval: '2h', from: '2021-01-01' },
      });
      expect(badInterval.status).toBe(400);
      expect(fieldProblems(badInterval.errorBody)[0]!.field).toBe('interval');
      const reversed = await http.post('/admin/backfill', {
        rawBody: { symbol: 'BTC', interval: '1h', from: '2021-02-01', to: '2021-01-01' },
      });
      expect(reversed.status).toBe(400);
      expect(fieldProblems(reversed.errorBody)[0]).toEqual({
        field: 'from',
        problem: 'must not be after to',
      });
      const missing = await http.post('/admin/backfill', {
        rawBody: { symbol: 'BTC', interval: '1h' },
      });
      expect(missing.status).toBe(400);
      expect(fieldProblems(missing.errorBody)[0]!.field).toBe('from');
    });
  });
});
