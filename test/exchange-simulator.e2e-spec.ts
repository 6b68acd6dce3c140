import { ExchangeSimulator } from '../src/simulator/exchange-simulator';

const MINUTE_MS = 60_000;
const ORIGIN = Date.UTC(2024, 0, 1);

/** A klines answer's rows (anything else fails the test). */
function rows(body: unknown): unknown[][] {
  if (!Array.isArray(body) || !body.every((row) => Array.isArray(row))) {
    throw new Error(`Expected kline rows, got ${JSON.stringify(body).slice(0, 200)}`);
  }
  return body;
}

describe('the exchange simulator speaks Binance REST', () => {
  let sim: ExchangeSimulator;
  const get = async (path: string) => {
    const response = await fetch(`${sim.restUrl}${path}`);
    return {
      status: response.status,
      headers: response.headers,
      body: await response.json(),
    };
  };

  beforeEach(async () => {
    sim = await ExchangeSimulator.start({
      speed: 0,
      startTime: ORIGIN + 5000 * MINUTE_MS + 30_000,
      weightLimitPerMinute: 30,
      banAfter429s: 2,
      markets: [
        {
          symbol: 'BTCUSDT',
          baseAsset: 'BTC',
          quoteAsset: 'USDT',
          intervals: ['1m', '1h'],
          source: { kind: 'generated', origin: ORIGIN, seed: 'rest' },
        },
      ],
    });
  });
  afterEach(async () => sim.close());

  it('pages klines like Binance: startTime forward, endTime alone backward, the forming candle last', async () => {
    const forward = await get(
      `/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${ORIGIN}&limit=3`,
    );
    expect(forward.status).toBe(200);
    expect(rows(forward.body).map((row) => row[0])).toEqual([
      ORIGIN,
      ORIGIN + MINUTE_MS,
      ORIGIN + 2 * MINUTE_MS,
    ]);
    expect(forward.headers.get('x-mbx-used-weight-1m')).toBe('2');
    const row = rows(forward.body)[0]!;
    expect(row).toHaveLength(12);
    expect(row[6]).toBe(ORIGIN + MINUTE_MS - 1);
    const backward = await get(
      `/api/v3/klines?symbol=BTCUSDT&interval=1h&endTime=${ORIGIN + 10 * 3_600_000}&limit=2`,
    );
    expect(rows(backward.body).map((r) => r[0])).toEqual([
      ORIGIN + 9 * 3_600_000,
      ORIGIN + 10 * 3_600_000,
    ]);
    const latest = rows((await get('/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=2')).body);
    // The last row is the minute still forming (30 s in), as Binance returns it.
    expect(latest[1]![0]).toBe(ORIGIN + 5000 * MINUTE_MS);
  });

  it('refuses bad requests with Binance error codes, and lists its markets in exchangeInfo', async () => {
    expect((await get('/api/v3/klines?symbol=XYZUSDT&interval=1m')).body).toEqual({
      code: -1121,
      msg: 'Invalid symbol.',
    });
    expect((await get('/api/v3/klines?symbol=BTCUSDT&interval=7m')).body).toMatchObject({
      code: -1120,
    });
    expect((await get('/api/v3/klines?symbol=BTCUSDT&interval=1m&limit=1001')).status).toBe(400);
    expect((await get('/api/v3/exchangeInfo')).body).toMatchObject({
      symbols: [{ symbol: 'BTCUSDT', status: 'TRADING', baseAsset: 'BTC' }],
    });
  });

  it('answers 429 with Retry-After past the weight budget, then bans with 418 when the client keeps going', async () => {
    // exchangeInfo weighs 20, klines 2: the budget of 30 runs out on the sixth request.
    await get('/api/v3/exchangeInfo');
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const response = await get(
        `/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${ORIGIN}&limit=1`,
      );
      statuses.push(response.status);
      if (response.status !== 200) {
        expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      }
    }
    // Budget resets each wall-clock minute; a run that straddles one sees a later start of the refusals.
    const firstRefused = statuses.findIndex((status) => status !== 200);
    expect(firstRefused).toBeGreaterThanOrEqual(5);
    if (firstRefused === 5) {
      expect(statuses.slice(5)).toEqual([429, 429, 418]);
    }
  });

  it('withholds ranges and slows responses on request', async () => {
    sim.withhold('BTCUSDT', '1m', ORIGIN + MINUTE_MS, ORIGIN + 2 * MINUTE_MS);
    const page = rows(
      (await get(`/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${ORIGIN}&limit=3`)).body,
    );
    expect(page.map((row) => row[0])).toEqual([
      ORIGIN,
      ORIGIN + 3 * MINUTE_MS,
      ORIGIN + 4 * MINUTE_MS,
    ]);
    sim.slowResponses(300);
    const started = Date.now();
    await get('/api/v3/ping');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });
});
