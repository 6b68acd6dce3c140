import { DataSource } from 'typeorm';
import type { Candle } from '../src/market-data/candle';
import { readBtcHourCandles } from '../src/simulator/candle-series.fixtures';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { run, type Running } from './support/processes';
import { btcHourEnv, databaseUrl, scratchName, testEnv } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { api } from './support/api';
import { withEpochTimes } from './support/paper-trading-fixtures';
import { runBacktest } from './support/strategy-fixtures';
import { waitFor } from './support/wait-for';

const CANDLES = readBtcHourCandles();

/**
 * A worker process killed with SIGKILL while it is inside a paper batch (its transaction held open
 * by a slow trigger): the batch leaves nothing, and the next worker fills the candle once.
 */
describe('paper trading: a worker process killed mid-candle', () => {
  let sim: ExchangeSimulator;
  let t: TestApp;
  let dataSource: DataSource;
  let worker: Running | undefined;
  let last = CANDLES[CANDLES.length - 1]!;
  const moves = [0.012, -0.009, 0.004, -0.021, 0.017, -0.006, 0.002, -0.013, 0.009, 0.0];
  let closed = 0;
  let env: Record<string, string | undefined>;
  const admin = () => api(t, { key: t.adminKey });

  async function closeLive(strategyId: string): Promise<Candle> {
    last = await sim.closeNext('BTCUSDT', '1h', last, moves[closed++ % moves.length]!);
    const candle = last;
    await waitFor(
      async () =>
        (
          await dataSource.query(
            `SELECT 1 FROM signals WHERE strategy_id = $1 AND open_time = to_timestamp($2 / 1000.0)`,
            [strategyId, candle.openTime],
          )
        ).length
          ? true
          : undefined,
      { what: 'the signal', timeoutMs: 15_000 },
    );
    return candle;
  }

  async function stepped(accountId: string, openTime: number): Promise<void> {
    await waitFor(
      async () => {
        const rows: unknown[] = await dataSource.query(
          `SELECT 1 FROM paper_positions WHERE account_id = $1 AND last_open_time >= to_timestamp($2 / 1000.0)`,
          [accountId, openTime],
        );
        return rows.length ? true : undefined;
      },
      { what: 'the account to step the candle', timeoutMs: 30_000 },
    );
  }

  beforeAll(async () => {
    sim = await ExchangeSimulator.start({ speed: 0 });
    sim.load('BTCUSDT', '1h', CANDLES);
    env = testEnv({
      ...btcHourEnv({
        database: databaseUrl(scratchName('paperkill')),
        prefix: scratchName('paperkill'),
        sim,
        backfillFrom: CANDLES[0]!.openTime,
      }),
      LIVE_STREAM: 'true',
      STREAM_LEASE_MS: '1000',
      MODEL_AUTO_TRAIN: 'false',
    });
    t = await startTestApp({ worker: false, env });
    dataSource = t.app.get(DataSource);
    worker = run('worker.js', env);
    await waitFor(
      async () =>
        (await admin().get('/markets')).body[0]?.count === CANDLES.length &&
        sim.openConnections === 1
          ? true
          : undefined,
      { what: 'the backfill and the stream', timeoutMs: 60_000 },
    );
  }, 90_000);
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await t.close();
    await sim.close();
  });

  it('leaves no trace of the killed batch and the same trades as a backtest', async () => {
    await admin().post('/admin/strategies', {
      body: {
        name: 'choppy-rsi',
        definition: {
          rules: [
            { input: 'rsi', condition: { op: '<', value: 50 }, weight: 1 },
            { input: 'rsi', condition: { op: '>', value: 50 }, weight: -1 },
          ],
          thresholds: { buy: 0.5, sell: -0.5 },
          guards: { stopLoss: 0.015 },
        },
      },
    });
    const opened = await admin().post('/admin/paper-accounts', {
      body: {
        name: 'killed',
        strategy: 'choppy-rsi',
        markets: ['BTC'],
        startingCash: 10_000,
      },
    });
    expect(opened.status).toBe(201);
    const account = opened.body;
    for (let i = 0; i < 6; i++) {
      await closeLive(account.strategy.id);
    }
    await stepped(account.id, last.openTime);

    // The next batch sleeps inside its transaction: the worker is killed there.
    await dataSource.query(`CREATE FUNCTION paper_slow() RETURNS trigger AS $$
      BEGIN PERFORM pg_sleep(3); RETURN NULL; END $$ LANGUAGE plpgsql`);
    await dataSource.query(
      `CREATE TRIGGER paper_slow BEFORE INSERT ON paper_equity FOR EACH STATEMENT EXECUTE FUNCTION paper_slow()`,
    );
    const killedAt = await closeLive(account.strategy.id);
    await waitFor(
      async () => {
        const sleeping: unknown[] = await dataSource.query(
          // The batch's one statement (its text is cut at 1 kB: the orders come first).
          `SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query LIKE '%paper_orders%'`,
        );
        return sleeping.length ? true : undefined;
      },
      { what: 'the batch inside its transaction', timeoutMs: 15_000 },
    );
    worker!.child.kill('SIGKILL');
    expect((await worker!.exited).signal).toBe('SIGKILL');
    // Waits for the dead connection's transaction to end (rolled back).
    await dataSource.query(`DROP TRIGGER paper_slow ON paper_equity; DROP FUNCTION paper_slow()`);
    const written: unknown[] = await dataSource.query(
      `SELECT 1 FROM paper_equity WHERE account_id = $1 AND open_time = to_timestamp($2 / 1000.0)`,
      [account.id, killedAt.openTime],
    );
    expect(written).toHaveLength(0);

    worker = run('worker.js', env);
    await stepped(account.id, killedAt.openTime);
    await waitFor(async () => (sim.openConnections === 1 ? true : undefined), {
      what: 'the new worker on the stream',
      timeoutMs: 30_000,
    });
    for (let i = 0; i < 5; i++) {
      await closeLive(account.strategy.id);
    }
    await stepped(account.id, last.openTime);

    expect((await admin().delete(`/admin/paper-accounts/${account.id}`)).status).toBe(200);
    const paper = (await admin().get(`/paper-accounts/${account.id}`)).body;
    const { id, backtest: completed } = await runBacktest(admin(), {
      body: {
        strategy: account.strategy.id,
        symbol: 'BTC',
        from: paper.startTime,
        to: paper.lastCandle ?? undefined,
        startingCash: 10_000,
        feeRate: 0.001,
        sizing: { kind: 'all-in' },
        walkForward: false,
      },
      what: 'the backtest',
      timeoutMs: 30_000,
    });
    const backtest = completed.result;
    const backtestTrades = (await admin().get(`/backtests/${id}/trades`)).body;
    const paperTrades = (await admin().get(`/paper-accounts/${account.id}/trades`)).body;
    expect(backtest.candles).toBe(12);
    expect(paperTrades.length).toBeGreaterThan(0);
    expect(paperTrades.map(withEpochTimes)).toEqual(
      backtestTrades.map((trade) => expect.objectContaining(withEpochTimes(trade))),
    );
    expect(paper.metrics.finalEquity).toBe(backtest.strategy.finalEquity);
    const rows: { count: string }[] = await dataSource.query(
      `SELECT count(*) FROM paper_equity WHERE account_id = $1`,
      [account.id],
    );
    expect(Number(rows[0]!.count)).toBe(12);
  }, 180_000);
});
