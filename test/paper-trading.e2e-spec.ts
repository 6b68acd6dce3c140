import { join } from 'node:path';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import type { Candle } from '../src/market-data/candle';
import { readCandleCsv } from '../src/simulator/candle-series';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { REDIS_URL, databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { api, backtestResult, fieldProblems, type Schema } from './support/api';
import { sleep, waitFor } from './support/wait-for';

const CANDLES = readCandleCsv(
  join(__dirname, 'fixtures', 'klines', 'BTCUSDT-1h-2022-08-20_2022-09-30.csv'),
);

/** Buys below RSI 50, sells above: it trades every few candles on a choppy series. */
const CHOPPY_RSI = {
  rules: [
    { input: 'rsi', condition: { op: '<', value: 50 }, weight: 1 },
    { input: 'rsi', condition: { op: '>', value: 50 }, weight: -1 },
  ],
  thresholds: { buy: 0.5, sell: -0.5 },
  guards: { stopLoss: 0.015, cooldownCandles: 1 },
};

/** Moves of the candles closed live: deterministic, choppy, sometimes through the stop. */
function change(i: number): number {
  return [0.012, -0.009, 0.004, -0.021, 0.017, -0.006, 0.002, -0.013, 0.009, 0.0][i % 10]!;
}

interface Trade {
  entryTime: number | string;
  exitTime: number | string;
  entryPrice: number;
  exitPrice: number;
  quantity: number;
  profit: number;
  exitReason: string;
}

/** A trade's times as epoch ms (REST gives paper trades ISO strings, backtest trades numbers). */
function normalised(trade: Trade) {
  return {
    entryTime: new Date(trade.entryTime).getTime(),
    exitTime: new Date(trade.exitTime).getTime(),
    entryPrice: trade.entryPrice,
    exitPrice: trade.exitPrice,
    quantity: trade.quantity,
    profit: trade.profit,
    exitReason: trade.exitReason,
  };
}

describe('paper trading: live signals filled as a backtest fills them', () => {
  let sim: ExchangeSimulator;
  let t: TestApp;
  let clientKey: string;
  let dataSource: DataSource;
  let redis: Redis;
  let subscriber: Redis;
  /** `signal.created` messages as published. */
  const signalMessages: string[] = [];
  const database = scratchName('paper');
  const prefix = scratchName('paper');
  let last = CANDLES[CANDLES.length - 1]!;
  let closed = 0;
  const env = () => ({
    DATABASE_URL: databaseUrl(database),
    REDIS_PREFIX: prefix,
    SYMBOLS: 'BTC',
    INTERVALS: '1h',
    EXCHANGE: 'binance',
    EXCHANGE_REST_URL: sim.restUrl,
    EXCHANGE_WS_URL: sim.wsUrl,
    BACKFILL_FROM: new Date(CANDLES[0]!.openTime).toISOString(),
    LIVE_STREAM: 'true',
  });
  const as = (key: string) => api(t, { key });
  const admin = () => as(t.adminKey);

  /** Closes the next candle live and waits for the strategy's signal on it. */
  async function closeLive(strategyId: string): Promise<Candle> {
    last = await sim.closeNext('BTCUSDT', '1h', last, change(closed++));
    const candle = last;
    await waitFor(
      async () => {
        const rows: unknown[] = await dataSource.query(
          `SELECT 1 FROM signals WHERE strategy_id = $1 AND open_time = to_timestamp($2 / 1000.0)`,
          [strategyId, candle.openTime],
        );
        return rows.length ? true : undefined;
      },
      { what: `the signal at ${new Date(candle.openTime).toISOString()}` },
    );
    return candle;
  }

  /** Waits until every market of the account stepped `openTime`. */
  async function stepped(accountId: string, openTime: number, timeoutMs = 15_000): Promise<void> {
    await waitFor(
      async () => {
        const positions = (await admin().get(`/paper-accounts/${accountId}/positions`)).body;
        return positions.every((p) => p.lastCandle && Date.parse(p.lastCandle) >= openTime)
          ? true
          : undefined;
      },
      { what: 'the account to step the last candle', timeoutMs },
    );
  }

  /** The account's trades next to a backtest job's over the same candles and terms. */
  async function againstBacktest(accountId: string) {
    const account = (await admin().get(`/paper-accounts/${accountId}`)).body;
    const started = await admin().post('/backtests', {
      body: {
        strategy: account.strategy.id,
        symbol: 'BTC',
        from: account.startTime,
        to: account.lastCandle ?? undefined,
        startingCash: account.startingCash,
        feeRate: account.feeRate,
        slippage: account.slippage,
        sizing: account.sizing as Schema<'CreateBacktestDto'>['sizing'],
        walkForward: false,
      },
    });
    expect(started.status).toBe(202);
    const backtest = await waitFor(
      async () => {
        const body = (await admin().get(`/backtests/${started.body.backtestId}`)).body;
        if (body.status === 'failed') {
          throw new Error(body.error ?? 'failed');
        }
        return body.status === 'completed' ? { ...body, result: backtestResult(body) } : undefined;
      },
      { what: 'the backtest', timeoutMs: 30_000 },
    );
    const backtestTrades = (await admin().get(`/backtests/${started.body.backtestId}/trades`)).body;
    const paperTrades = (await admin().get(`/paper-accounts/${accountId}/trades`)).body;
    return { account, backtest, backtestTrades, paperTrades };
  }

  beforeAll(async () => {
    sim = await ExchangeSimulator.start({ speed: 0 });
    sim.load('BTCUSDT', '1h', CANDLES);
    redis = new Redis(REDIS_URL);
    subscriber = new Redis(REDIS_URL);
    await subscriber.subscribe(`${prefix}:events:signal.created`);
    subscriber.on('message', (_channel: string, message: string) => signalMessages.push(message));
    t = await startTestApp({ worker: true, env: env() });
    dataSource = t.app.get(DataSource);
    await waitFor(
      async () =>
        (await admin().get('/markets')).body[0]?.count === CANDLES.length &&
        sim.openConnections === 1
          ? true
          : undefined,
      { what: 'the backfill and the stream', timeoutMs: 30_000 },
    );
    clientKey = (
      await admin().post('/admin/api-keys', { body: { name: 'paper-reader', role: 'client' } })
    ).body.key;
  }, 60_000);
  afterAll(async () => {
    redis.disconnect();
    subscriber.disconnect();
    await t.close();
    await sim.close();
  });

  it('refuses bad input naming the field, and lets a client key read but not write', async () => {
    const strategy = await admin().post('/admin/strategies', {
      body: {
        name: 'choppy-rsi',
        definition: CHOPPY_RSI,
      },
    });
    expect(strategy.status).toBe(201);
    const good = { name: 'refused', strategy: 'choppy-rsi', markets: ['BTC'], startingCash: 1000 };
    const problems = async (body: object) => {
      const response = await admin().post('/admin/paper-accounts', { rawBody: body });
      expect(response.status).toBe(400);
      return fieldProblems(response.errorBody).map((d) => d.field);
    };
    expect(await problems({ ...good, strategy: 'no-such-strategy' })).toEqual(['strategy']);
    expect(await problems({ ...good, markets: ['BTC', 'DOGE'] })).toEqual(['markets[1]']);
    expect(await problems({ ...good, markets: ['BTC', 'btc'] })).toEqual(['markets[1]']);
    expect(await problems({ ...good, startingCash: -5 })).toEqual(['startingCash']);
    expect(await problems({ ...good, sizing: { kind: 'fraction', fraction: 1.5 } })).toEqual([
      'sizing.fraction',
    ]);
    expect(await problems({ ...good, feeRate: 0.5 })).toEqual(['feeRate']);
    expect(await problems({ ...good, interval: '1w' })).toEqual(['interval']);
    expect((await as(clientKey).post('/admin/paper-accounts', { body: good })).status).toBe(403);
    expect((await as(clientKey).get('/paper-accounts')).status).toBe(200);
    expect((await admin().get('/paper-accounts/not-a-uuid')).status).toBe(400);
    expect((await admin().get('/paper-accounts/00000000-0000-4000-8000-000000000000')).status).toBe(
      404,
    );
  });

  it('makes exactly the trades and ends with exactly the equity of a backtest of the same candles', async () => {
    const opened = await admin().post('/admin/paper-accounts', {
      body: {
        name: 'forward',
        strategy: 'choppy-rsi',
        markets: ['BTC'],
        startingCash: 10_000,
        feeRate: 0.001,
        slippage: 0.0005,
        sizing: { kind: 'volatility', targetVolatility: 0.01 },
      },
    });
    expect(opened.status).toBe(201);
    const account = opened.body;
    expect(Date.parse(account.startTime)).toBe(last.openTime + 3_600_000);
    // A retried request with the same terms is the same account; other terms are a conflict.
    const again = await admin().post('/admin/paper-accounts', {
      body: {
        name: 'forward',
        strategy: 'choppy-rsi',
        markets: ['BTC'],
        startingCash: 10_000,
        feeRate: 0.001,
        slippage: 0.0005,
        sizing: { kind: 'volatility', targetVolatility: 0.01 },
      },
    });
    expect(again.body.id).toBe(account.id);
    expect(
      (
        await admin().post('/admin/paper-accounts', {
          body: {
            name: 'forward',
            strategy: 'choppy-rsi',
            markets: ['BTC'],
            startingCash: 20_000,
          },
        })
      ).status,
    ).toBe(409);
    for (let i = 0; i < 40; i++) {
      await closeLive(account.strategy.id);
    }
    await stepped(account.id, last.openTime);
    // A duplicated signal.created and candle.closed change nothing.
    const signal = signalMessages.find(
      (message) =>
        (JSON.parse(message) as { strategyId: string }).strategyId === account.strategy.id,
    )!;
    await redis.publish(`${prefix}:events:signal.created`, signal);
    await sim.emit('BTCUSDT', '1h', last, true);
    // The point is that nothing changes: give the repeats time to be processed, then look.
    await sleep(500);

    const closing = await admin().delete(`/admin/paper-accounts/${account.id}`);
    expect(closing.status).toBe(200);
    expect(closing.body.status).toBe('closed');
    const {
      account: paper,
      backtest,
      backtestTrades,
      paperTrades,
    } = await againstBacktest(account.id);
    expect(backtest.result.candles).toBe(40);
    expect(paperTrades.length).toBeGreaterThanOrEqual(4);
    expect(new Set(paperTrades.map((trade) => trade.exitReason))).toContain('signal');
    expect(paperTrades.map(normalised)).toEqual(backtestTrades.map(normalised));
    expect(paper.metrics.finalEquity).toBe(backtest.result.strategy.finalEquity);
    expect(paper.metrics.trades).toBe(backtest.result.strategy.trades);
    expect(paper.metrics.sharpe).toBeCloseTo(backtest.result.strategy.sharpe, 10);
    expect(paper.backtest?.finalEquity).toBe(backtest.result.strategy.finalEquity);
    expect(paper.buyAndHold?.finalEquity).toBeCloseTo(backtest.result.buyAndHold.finalEquity, 9);
    expect(paper.lateCandles).toBe(0);
    const equity = (
      await admin().get(`/paper-accounts/${account.id}/equity`, { query: { limit: 25 } })
    ).body;
    expect(equity.points).toHaveLength(25);
    const rest = (
      await admin().get(`/paper-accounts/${account.id}/equity`, {
        query: { from: equity.next!, limit: 25 },
      })
    ).body;
    expect(rest.points).toHaveLength(15);
    expect(rest.next).toBeNull();
    expect([...equity.points, ...rest.points].map((p) => p.equity)).toEqual(
      backtest.equity!.map(([, value]) => value),
    );
    // Closed: kept for the record, and closing again changes nothing.
    expect((await admin().delete(`/admin/paper-accounts/${account.id}`)).status).toBe(200);
    expect(
      (await admin().patch(`/admin/paper-accounts/${account.id}`, { body: { status: 'paused' } }))
        .status,
    ).toBe(409);
  }, 120_000);

  it('loses and doubles no fill when a batch dies midway or the stream is down for 30 candles across a restart', async () => {
    const opened = await admin().post('/admin/paper-accounts', {
      body: {
        name: 'resilient',
        strategy: 'choppy-rsi',
        markets: ['BTC'],
        startingCash: 5_000,
        feeRate: 0.001,
      },
    });
    expect(opened.status).toBe(201);
    const account = opened.body;
    for (let i = 0; i < 5; i++) {
      await closeLive(account.strategy.id);
    }
    await stepped(account.id, last.openTime);

    // A batch that dies after writing orders and fills: nothing of it stays, and it is redone.
    await dataSource.query(`CREATE FUNCTION paper_fault() RETURNS trigger AS $$
      BEGIN RAISE EXCEPTION 'worker killed mid-candle'; END $$ LANGUAGE plpgsql`);
    await dataSource.query(
      `CREATE TRIGGER paper_fault BEFORE INSERT ON paper_equity FOR EACH ROW EXECUTE FUNCTION paper_fault()`,
    );
    const failed = await closeLive(account.strategy.id);
    // The point is that nothing of the failing batch stays: there is no state to wait for (the
    // batch rolls back), so give it the time to run, then look.
    await sleep(1000);
    const written: unknown[] = await dataSource.query(
      `SELECT 1 FROM paper_equity WHERE account_id = $1 AND open_time = to_timestamp($2 / 1000.0)`,
      [account.id, failed.openTime],
    );
    expect(written).toHaveLength(0);
    await dataSource.query(`DROP TRIGGER paper_fault ON paper_equity; DROP FUNCTION paper_fault()`);
    await closeLive(account.strategy.id);
    await stepped(account.id, last.openTime);

    // The stream down for 30 candles, and the service restarted: the gap is backfilled, and the
    // account catches up in order with the decisions taken late.
    sim.refuseStreams(true);
    sim.dropConnections();
    await t.close();
    for (let i = 0; i < 30; i++) {
      last = await sim.closeNext('BTCUSDT', '1h', last, change(closed++));
    }
    sim.refuseStreams(false);
    t = await startTestApp({ worker: true, env: env() });
    dataSource = t.app.get(DataSource);
    await stepped(account.id, last.openTime, 30_000);
    await waitFor(async () => (sim.openConnections === 1 ? true : undefined), {
      what: 'the stream back',
      timeoutMs: 15_000,
    });
    for (let i = 0; i < 3; i++) {
      await closeLive(account.strategy.id);
    }
    await stepped(account.id, last.openTime);

    expect((await admin().delete(`/admin/paper-accounts/${account.id}`)).status).toBe(200);
    const {
      account: paper,
      backtest,
      backtestTrades,
      paperTrades,
    } = await againstBacktest(account.id);
    expect(backtest.result.candles).toBe(5 + 2 + 30 + 3);
    expect(paperTrades.length).toBeGreaterThanOrEqual(4);
    expect(paperTrades.map(normalised)).toEqual(backtestTrades.map(normalised));
    expect(paper.metrics.finalEquity).toBe(backtest.result.strategy.finalEquity);
    expect(paper.lateCandles).toBe(30);
    const equity = (
      await admin().get(`/paper-accounts/${account.id}/equity`, { query: { limit: 100 } })
    ).body;
    expect(equity.points).toHaveLength(40);
    expect(equity.points.filter((point) => point.late)).toHaveLength(30);
    const fills: { count: string }[] = await dataSource.query(
      `SELECT count(*) FROM paper_fills WHERE account_id = $1`,
      [account.id],
    );
    expect(Number(fills[0]!.count)).toBe(paperTrades.length * 2);
  }, 180_000);

  it('ignores decisions while paused (equity rows still written) and acts again once resumed', async () => {
    const opened = await admin().post('/admin/paper-accounts', {
      body: {
        name: 'paused',
        strategy: 'choppy-rsi',
        markets: ['BTC'],
        startingCash: 1_000,
      },
    });
    const account = opened.body;
    const paused = await admin().patch(`/admin/paper-accounts/${account.id}`, {
      body: {
        status: 'paused',
      },
    });
    expect(paused.body.status).toBe('paused');
    expect(
      (await admin().patch(`/admin/paper-accounts/${account.id}`, { rawBody: { status: 'gone' } }))
        .errorBody.details,
    ).toEqual([expect.objectContaining({ field: 'status' })]);
    const first = last.openTime + 3_600_000;
    for (let i = 0; i < 8; i++) {
      await closeLive(account.strategy.id);
    }
    await stepped(account.id, last.openTime);
    const buys: { count: string }[] = await dataSource.query(
      `SELECT count(*) FROM signals WHERE strategy_id = $1 AND action = 'BUY' AND open_time >= to_timestamp($2 / 1000.0)`,
      [account.strategy.id, first],
    );
    expect(Number(buys[0]!.count)).toBeGreaterThan(0);
    const orders: unknown[] = await dataSource.query(
      `SELECT 1 FROM paper_orders WHERE account_id = $1`,
      [account.id],
    );
    expect(orders).toHaveLength(0);
    const equity = (await admin().get(`/paper-accounts/${account.id}/equity`)).body;
    expect(equity.points.map((p) => p.equity)).toEqual(new Array(8).fill(1000));
    expect(
      (await admin().patch(`/admin/paper-accounts/${account.id}`, { body: { status: 'active' } }))
        .body.status,
    ).toBe('active');
    for (let i = 0; i < 12; i++) {
      await closeLive(account.strategy.id);
    }
    await stepped(account.id, last.openTime);
    const after: unknown[] = await dataSource.query(
      `SELECT 1 FROM paper_orders WHERE account_id = $1`,
      [account.id],
    );
    expect(after.length).toBeGreaterThan(0);
  }, 60_000);
});
