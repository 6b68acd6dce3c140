import { join } from 'node:path';
import request from 'supertest';
import { readCandleCsv } from '../src/simulator/candle-series';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { databaseUrl, scratchName } from './support/test-env';
import { eventually, startTestApp, type TestApp } from './support/test-app';

const FIXTURES = join(__dirname, 'fixtures', 'klines');
const BTC = readCandleCsv(join(FIXTURES, 'BTCUSDT-1h-2022-08-20_2022-09-30.csv'));
const ETH = readCandleCsv(join(FIXTURES, 'ETHUSDT-1h-2022-08-20_2022-09-30.csv'));

interface Summary {
  id: string;
  strategyId: string;
  strategyName: string | null;
  symbol: string;
  pair: string;
  status: string;
  tradeCount: number | null;
  totalReturn: number | null;
  buyAndHoldReturn: number | null;
  createdAt: string;
}

describe('backtests: the list of runs, and buy-and-hold equity stored with each', () => {
  let sim: ExchangeSimulator;
  let t: TestApp;
  let clientKey: string;
  const strategyIds: Record<string, string> = {};
  /** Backtest ids in the order they were started. */
  const started: string[] = [];
  const get = (path: string, query: Record<string, string | number> = {}, key = t.adminKey) =>
    request(t.url).get(path).query(query).set('x-api-key', key);
  const post = (path: string, body: object) =>
    request(t.url).post(path).set('x-api-key', t.adminKey).send(body);
  const graphql = async (query: string) => {
    const response = await post('/graphql', { query });
    expect(response.body.errors).toBeUndefined();
    return response.body.data as Record<string, unknown>;
  };
  // 120 hours of the fixture, with 200 before them to warm the inputs up.
  const from = new Date(BTC[200]!.openTime).toISOString();
  const to = new Date(BTC[319]!.openTime).toISOString();

  beforeAll(async () => {
    sim = await ExchangeSimulator.start({ speed: 0 });
    sim.load('BTCUSDT', '1h', BTC);
    sim.load('ETHUSDT', '1h', ETH);
    t = await startTestApp({
      worker: true,
      env: {
        DATABASE_URL: databaseUrl(scratchName('btlist')),
        REDIS_PREFIX: scratchName('btlist'),
        SYMBOLS: 'BTC,ETH',
        INTERVALS: '1h',
        EXCHANGE: 'binance',
        EXCHANGE_REST_URL: sim.restUrl,
        EXCHANGE_WS_URL: sim.wsUrl,
        BACKFILL_FROM: new Date(BTC[0]!.openTime).toISOString(),
        LIVE_STREAM: 'true',
      },
    });
    await eventually(
      async () => {
        const response = await get('/markets');
        if (!Array.isArray(response.body)) {
          throw new Error(`GET /markets: ${response.status} ${JSON.stringify(response.body)}`);
        }
        const markets = response.body as { symbol: string; count: number }[];
        return markets.find((m) => m.symbol === 'BTC')?.count === BTC.length &&
          markets.find((m) => m.symbol === 'ETH')?.count === ETH.length
          ? true
          : undefined;
      },
      { what: 'the backfill of BTC and ETH', timeoutMs: 30_000 },
    );
    for (const [name, value] of [
      ['rsi-low', 40],
      ['rsi-high', 60],
    ] as const) {
      const created = await post('/admin/strategies', {
        name,
        definition: {
          rules: [
            { label: `RSI below ${value}`, input: 'rsi', condition: { op: '<', value }, weight: 1 },
            { label: 'RSI above 70', input: 'rsi', condition: { op: '>', value: 70 }, weight: -1 },
          ],
          thresholds: { buy: 0.5, sell: -0.5 },
        },
      });
      expect(created.status).toBe(201);
      strategyIds[name] = created.body.id as string;
    }
    // Oldest first: rsi-low on BTC, rsi-high on BTC, rsi-low on ETH.
    for (const [strategy, symbol] of [
      ['rsi-low', 'BTC'],
      ['rsi-high', 'BTC'],
      ['rsi-low', 'ETH'],
    ] as const) {
      const run = await post('/backtests', {
        strategy,
        symbol,
        from,
        to,
        feeRate: 0.002,
        slippage: 0.001,
        startingCash: 5000,
      });
      expect(run.status).toBe(202);
      started.push(run.body.backtestId as string);
    }
    await eventually(
      async () => {
        const list = (await get('/backtests')).body as Summary[];
        const failed = list.find((each) => each.status === 'failed');
        if (failed) {
          throw new Error(`backtest ${failed.id} failed`);
        }
        return list.length === 3 && list.every((each) => each.status === 'completed')
          ? true
          : undefined;
      },
      { what: 'three completed backtests', timeoutMs: 45_000 },
    );
    const client = await post('/admin/api-keys', { name: 'bt-client', role: 'client' });
    expect(client.status).toBe(201);
    clientKey = client.body.key as string;
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  it('lists runs newest first with their strategy and returns, without curves or trades', async () => {
    const response = await get('/backtests', {}, clientKey);
    expect(response.status).toBe(200);
    const list = response.body as Summary[];
    expect(list.map((each) => each.id)).toEqual([...started].reverse());
    const times = list.map((each) => Date.parse(each.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(list.map((each) => [each.strategyName, each.symbol, each.pair])).toEqual([
      ['rsi-low', 'ETH', 'ETHUSDT'],
      ['rsi-high', 'BTC', 'BTCUSDT'],
      ['rsi-low', 'BTC', 'BTCUSDT'],
    ]);
    for (const summary of list) {
      const full = (await get(`/backtests/${summary.id}`)).body;
      expect(summary.totalReturn).toBeCloseTo(full.result.strategy.totalReturn, 12);
      expect(summary.buyAndHoldReturn).toBeCloseTo(full.result.buyAndHold.totalReturn, 12);
      expect(summary.tradeCount).toBe(full.tradeCount);
      expect(summary).not.toHaveProperty('equity');
      expect(summary).not.toHaveProperty('result');
    }
    expect((await request(t.url).get('/backtests')).status).toBe(401);
  });

  it('filters by strategy version and market, and pages with limit and before', async () => {
    const ids = async (query: Record<string, string | number>) => {
      const response = await get('/backtests', query);
      expect(response.status).toBe(200);
      return (response.body as Summary[]).map((each) => each.id);
    };
    const [btcLow, btcHigh, ethLow] = started;
    expect(await ids({ strategyId: strategyIds['rsi-low']! })).toEqual([ethLow, btcLow]);
    expect(await ids({ symbol: 'BTC' })).toEqual([btcHigh, btcLow]);
    expect(await ids({ symbol: 'ethusdt' })).toEqual([ethLow]);
    expect(await ids({ symbol: 'ETH', strategyId: strategyIds['rsi-high']! })).toEqual([]);

    const first = (await get('/backtests', { limit: 2 })).body as Summary[];
    expect(first.map((each) => each.id)).toEqual([ethLow, btcHigh]);
    expect(await ids({ limit: 2, before: first[1]!.createdAt })).toEqual([btcLow]);
    expect(await ids({ before: Date.parse(first[1]!.createdAt) })).toEqual([btcLow]);
  });

  it('refuses bad filters naming the field', async () => {
    const problems = async (query: Record<string, string | number>, status = 400) => {
      const response = await get('/backtests', query);
      expect(response.status).toBe(status);
      return (response.body.details as { field: string }[]).map((each) => each.field);
    };
    expect(await problems({ limit: 0 })).toContain('limit');
    expect(await problems({ limit: 1001 })).toContain('limit');
    expect(await problems({ strategyId: 'not-a-uuid' })).toContain('strategyId');
    expect(await problems({ before: 'yesterday' })).toContain('before');
    expect(await problems({ before: '2022-13-45' })).toContain('before');
    expect(await problems({ symbol: 'not a symbol!' })).toContain('symbol');
    // A market never backtested (or no longer configured) simply has no runs.
    expect((await get('/backtests', { symbol: 'NOPE' })).body).toEqual([]);
    // A run's trades are paged by offset and limit, each checked by name.
    const trades = async (query: Record<string, string | number>) => {
      const response = await get(`/backtests/${started[0]!}/trades`, query);
      expect(response.status).toBe(400);
      return (response.body.details as { field: string }[]).map((each) => each.field);
    };
    expect(await trades({ offset: -1 })).toContain('offset');
    expect(await trades({ limit: 'ten' })).toContain('limit');
    expect((await get(`/backtests/${started[0]!}/trades`, { offset: 0, limit: 2 })).status).toBe(
      200,
    );
  });

  it("stores buy-and-hold's equity at the strategy's times, from the candles' closes", async () => {
    const backtest = (await get(`/backtests/${started[0]!}`)).body as {
      equity: [number, number][];
      buyAndHoldEquity: [number, number][];
      result: Record<string, { finalEquity: number }>;
    };
    expect(backtest.result).not.toHaveProperty('buyAndHoldEquity');
    expect(backtest.buyAndHoldEquity.map(([time]) => time)).toEqual(
      backtest.equity.map(([time]) => time),
    );
    expect(backtest.buyAndHoldEquity).toHaveLength(120);
    // From the fixture: 5,000 less the 0.2% fee buys at the first open plus 0.1% slippage...
    const candles = BTC.slice(200, 320);
    const quantity = (5000 * (1 - 0.002)) / (candles[0]!.open * 1.001);
    backtest.buyAndHoldEquity.slice(0, -1).forEach(([time, equity], i) => {
      expect(time).toBe(candles[i]!.openTime);
      expect(equity).toBeCloseTo(quantity * candles[i]!.close, 6);
    });
    // ...and sells at the last close less the fee: buy-and-hold's final equity.
    const [, lastEquity] = backtest.buyAndHoldEquity[119]!;
    expect(lastEquity).toBeCloseTo(quantity * candles[119]!.close * (1 - 0.002), 6);
    expect(lastEquity).toBe(backtest.result.buyAndHold!.finalEquity);
  });

  it('serves the list and the curve over GraphQL as over REST', async () => {
    const rest = (await get('/backtests', { symbol: 'BTC', limit: 5 })).body as Summary[];
    const data = await graphql(`
      {
        backtests(symbol: "BTC", limit: 5) {
          id
          strategyName
          symbol
          totalReturn
          buyAndHoldReturn
          tradeCount
        }
      }
    `);
    expect(data.backtests).toEqual(
      rest.map(({ id, strategyName, symbol, totalReturn, buyAndHoldReturn, tradeCount }) => ({
        id,
        strategyName,
        symbol,
        totalReturn,
        buyAndHoldReturn,
        tradeCount,
      })),
    );
    const one = await graphql(`{ backtest(id: "${started[1]!}") { buyAndHoldEquity } }`);
    expect((one.backtest as { buyAndHoldEquity: unknown }).buyAndHoldEquity).toEqual(
      (await get(`/backtests/${started[1]!}`)).body.buyAndHoldEquity,
    );
    const refused = await post('/graphql', { query: '{ backtests(limit: 0) { id } }' });
    expect(JSON.stringify(refused.body.errors)).toMatch(/limit/);
  });
});
