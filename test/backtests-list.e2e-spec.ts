import { join } from 'node:path';
import { readCandleCsv } from '../src/simulator/candle-series';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { api, backtestResult, fieldProblems, type Api } from './support/api';
import { graphql } from './support/graphql';
import { databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const FIXTURES = join(__dirname, 'fixtures', 'klines');
const BTC = readCandleCsv(join(FIXTURES, 'BTCUSDT-1h-2022-08-20_2022-09-30.csv'));
const ETH = readCandleCsv(join(FIXTURES, 'ETHUSDT-1h-2022-08-20_2022-09-30.csv'));

describe('backtests: the list of runs, and buy-and-hold equity stored with each', () => {
  let sim: ExchangeSimulator;
  let t: TestApp;
  let clientKey: string;
  const strategyIds: Record<string, string> = {};
  /** Backtest ids in the order they were started. */
  const started: string[] = [];
  let http: Api;
  const data = async <TData>(query: string) => {
    const response = await graphql<TData>(t, { query }, { key: t.adminKey });
    expect(response.body.errors).toBeUndefined();
    return response.body.data!;
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
    http = api(t, { key: t.adminKey });
    await waitFor(
      async () => {
        const response = await http.get('/markets');
        if (!Array.isArray(response.body)) {
          throw new Error(`GET /markets: ${response.status} ${JSON.stringify(response.body)}`);
        }
        const markets = response.body;
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
      const created = await http.post('/admin/strategies', {
        body: {
          name,
          definition: {
            rules: [
              {
                label: `RSI below ${value}`,
                input: 'rsi',
                condition: { op: '<', value },
                weight: 1,
              },
              {
                label: 'RSI above 70',
                input: 'rsi',
                condition: { op: '>', value: 70 },
                weight: -1,
              },
            ],
            thresholds: { buy: 0.5, sell: -0.5 },
          },
        },
      });
      expect(created.status).toBe(201);
      strategyIds[name] = created.body.id;
    }
    // Oldest first: rsi-low on BTC, rsi-high on BTC, rsi-low on ETH.
    for (const [strategy, symbol] of [
      ['rsi-low', 'BTC'],
      ['rsi-high', 'BTC'],
      ['rsi-low', 'ETH'],
    ] as const) {
      const run = await http.post('/backtests', {
        body: {
          strategy,
          symbol,
          from,
          to,
          feeRate: 0.002,
          slippage: 0.001,
          startingCash: 5000,
        },
      });
      expect(run.status).toBe(202);
      started.push(run.body.backtestId);
    }
    await waitFor(
      async () => {
        const list = (await http.get('/backtests')).body;
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
    const client = await http.post('/admin/api-keys', {
      body: { name: 'bt-client', role: 'client' },
    });
    expect(client.status).toBe(201);
    clientKey = client.body.key;
  }, 120_000);

  afterAll(async () => {
    await t?.close();
    await sim?.close();
  });

  it('lists runs newest first with their strategy and returns, without curves or trades', async () => {
    const response = await http.get('/backtests', { key: clientKey });
    expect(response.status).toBe(200);
    const list = response.body;
    expect(list.map((each) => each.id)).toEqual([...started].reverse());
    const times = list.map((each) => Date.parse(each.createdAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(list.map((each) => [each.strategyName, each.symbol, each.pair])).toEqual([
      ['rsi-low', 'ETH', 'ETHUSDT'],
      ['rsi-high', 'BTC', 'BTCUSDT'],
      ['rsi-low', 'BTC', 'BTCUSDT'],
    ]);
    for (const summary of list) {
      const full = (await http.get(`/backtests/${summary.id}`)).body;
      const result = backtestResult(full);
      expect(summary.totalReturn).toBeCloseTo(result.strategy.totalReturn, 12);
      expect(summary.buyAndHoldReturn).toBeCloseTo(result.buyAndHold.totalReturn, 12);
      expect(summary.tradeCount).toBe(full.tradeCount);
      expect(summary).not.toHaveProperty('equity');
      expect(summary).not.toHaveProperty('result');
    }
    expect((await http.get('/backtests', { key: null })).status).toBe(401);
  });

  it('filters by strategy version and market, and pages with limit and before', async () => {
    const ids = async (query: Record<string, string | number>) => {
      const response = await http.get('/backtests', { query });
      expect(response.status).toBe(200);
      return response.body.map((each) => each.id);
    };
    const [btcLow, btcHigh, ethLow] = started;
    expect(await ids({ strategyId: strategyIds['rsi-low']! })).toEqual([ethLow, btcLow]);
    expect(await ids({ symbol: 'BTC' })).toEqual([btcHigh, btcLow]);
    expect(await ids({ symbol: 'ethusdt' })).toEqual([ethLow]);
    expect(await ids({ symbol: 'ETH', strategyId: strategyIds['rsi-high']! })).toEqual([]);

    const first = (await http.get('/backtests', { query: { limit: 2 } })).body;
    expect(first.map((each) => each.id)).toEqual([ethLow, btcHigh]);
    expect(await ids({ limit: 2, before: first[1]!.createdAt })).toEqual([btcLow]);
    expect(await ids({ before: Date.parse(first[1]!.createdAt) })).toEqual([btcLow]);
  });

  it('refuses bad filters naming the field', async () => {
    const problems = async (query: Record<string, string | number>, status = 400) => {
      const response = await http.get('/backtests', { query });
      expect(response.status).toBe(status);
      return fieldProblems(response.errorBody).map((each) => each.field);
    };
    expect(await problems({ limit: 0 })).toContain('limit');
    expect(await problems({ limit: 1001 })).toContain('limit');
    expect(await problems({ strategyId: 'not-a-uuid' })).toContain('strategyId');
    expect(await problems({ before: 'yesterday' })).toContain('before');
    expect(await problems({ before: '2022-13-45' })).toContain('before');
    expect(await problems({ symbol: 'not a symbol!' })).toContain('symbol');
    // A market never backtested (or no longer configured) simply has no runs.
    expect((await http.get('/backtests', { query: { symbol: 'NOPE' } })).body).toEqual([]);
    // A run's trades are paged by offset and limit, each checked by name.
    const trades = async (query: Record<string, string | number>) => {
      const response = await http.get(`/backtests/${started[0]!}/trades`, { query });
      expect(response.status).toBe(400);
      return fieldProblems(response.errorBody).map((each) => each.field);
    };
    expect(await trades({ offset: -1 })).toContain('offset');
    expect(await trades({ limit: 'ten' })).toContain('limit');
    expect(
      (await http.get(`/backtests/${started[0]!}/trades`, { query: { offset: 0, limit: 2 } }))
        .status,
    ).toBe(200);
  });

  it("stores buy-and-hold's equity at the strategy's times, from the candles' closes", async () => {
    const backtest = (await http.get(`/backtests/${started[0]!}`)).body;
    const equity = backtest.equity!;
    const buyAndHoldEquity = backtest.buyAndHoldEquity!;
    expect(backtest.result).not.toHaveProperty('buyAndHoldEquity');
    expect(buyAndHoldEquity.map(([time]) => time)).toEqual(equity.map(([time]) => time));
    expect(buyAndHoldEquity).toHaveLength(120);
    // From the fixture: 5,000 less the 0.2% fee buys at the first open plus 0.1% slippage...
    const candles = BTC.slice(200, 320);
    const quantity = (5000 * (1 - 0.002)) / (candles[0]!.open * 1.001);
    buyAndHoldEquity.slice(0, -1).forEach(([time, equity], i) => {
      expect(time).toBe(candles[i]!.openTime);
      expect(equity).toBeCloseTo(quantity * candles[i]!.close, 6);
    });
    // ...and sells at the last close less the fee: buy-and-hold's final equity.
    const [, lastEquity] = buyAndHoldEquity[119]!;
    expect(lastEquity).toBeCloseTo(quantity * candles[119]!.close * (1 - 0.002), 6);
    expect(lastEquity).toBe(backtestResult(backtest).buyAndHold.finalEquity);
  });

  it('serves the list and the curve over GraphQL as over REST', async () => {
    const rest = (await http.get('/backtests', { query: { symbol: 'BTC', limit: 5 } })).body;
    const listed = await data<{ backtests: unknown[] }>(`
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
    expect(listed.backtests).toEqual(
      rest.map(({ id, strategyName, symbol, totalReturn, buyAndHoldReturn, tradeCount }) => ({
        id,
        strategyName,
        symbol,
        totalReturn,
        buyAndHoldReturn,
        tradeCount,
      })),
    );
    const one = await data<{ backtest: { buyAndHoldEquity: unknown } }>(
      `{ backtest(id: "${started[1]!}") { buyAndHoldEquity } }`,
    );
    expect(one.backtest.buyAndHoldEquity).toEqual(
      (await http.get(`/backtests/${started[1]!}`)).body.buyAndHoldEquity,
    );
    const refused = await graphql(
      t,
      { query: '{ backtests(limit: 0) { id } }' },
      { key: t.adminKey },
    );
    expect(JSON.stringify(refused.body.errors)).toMatch(/limit/);
  });
});
