import { PaperTradingMarket } from './support/paper-trading-fixtures';
import { waitFor } from './support/wait-for';

describe('paper trading: no fill lost or doubled across failed batches, outages and restarts', () => {
  let floor: PaperTradingMarket;

  beforeAll(async () => {
    floor = await PaperTradingMarket.open('paperrec');
  }, 60_000);
  afterAll(async () => {
    await floor.close();
  });

  it('loses and doubles no fill when a batch dies midway or the stream is down for 30 candles across a restart', async () => {
    const opened = await floor.admin().post('/admin/paper-accounts', {
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
      await floor.closeLive(account.strategy.id);
    }
    await floor.stepped(account.id, floor.last.openTime);

    // A batch that dies after writing orders and fills: nothing of it stays, and it is redone.
    // The fault counts its firings in a sequence (not rolled back with the batch), so the test
    // waits for the batch to have died rather than for a time it might not have run in.
    const dataSource = floor.dataSource();
    await dataSource.query(`CREATE SEQUENCE paper_fault_firings`);
    await dataSource.query(`CREATE FUNCTION paper_fault() RETURNS trigger AS $$
      BEGIN PERFORM nextval('paper_fault_firings'); RAISE EXCEPTION 'worker killed mid-candle'; END
      $$ LANGUAGE plpgsql`);
    await dataSource.query(
      `CREATE TRIGGER paper_fault BEFORE INSERT ON paper_equity FOR EACH ROW EXECUTE FUNCTION paper_fault()`,
    );
    const failed = await floor.closeLive(account.strategy.id);
    await waitFor(
      async () => {
        const [sequence] = await dataSource.query<{ is_called: boolean }[]>(
          `SELECT is_called FROM paper_fault_firings`,
        );
        return sequence?.is_called ? true : undefined;
      },
      { what: 'the batch of the failing candle to die' },
    );
    const written: unknown[] = await dataSource.query(
      `SELECT 1 FROM paper_equity WHERE account_id = $1 AND open_time = to_timestamp($2 / 1000.0)`,
      [account.id, failed.openTime],
    );
    expect(written).toHaveLength(0);
    const [book] = (await floor.admin().get(`/paper-accounts/${account.id}/positions`)).body;
    expect(Date.parse(book!.lastCandle!)).toBeLessThan(failed.openTime);
    await dataSource.query(
      `DROP TRIGGER paper_fault ON paper_equity; DROP FUNCTION paper_fault(); DROP SEQUENCE paper_fault_firings`,
    );
    await floor.closeLive(account.strategy.id);
    await floor.stepped(account.id, floor.last.openTime);

    // The stream down for 30 candles, and the service restarted: the gap is backfilled, and the
    // account catches up in order with the decisions taken late.
    const { sim } = floor.market;
    sim.refuseStreams(true);
    sim.dropConnections();
    await floor.market.stop();
    for (let i = 0; i < 30; i++) {
      await floor.closeUnwatched();
    }
    sim.refuseStreams(false);
    await floor.market.start();
    await floor.stepped(account.id, floor.last.openTime, 30_000);
    await waitFor(async () => (sim.openConnections === 1 ? true : undefined), {
      what: 'the stream back',
      timeoutMs: 15_000,
    });
    for (let i = 0; i < 3; i++) {
      await floor.closeLive(account.strategy.id);
    }
    await floor.stepped(account.id, floor.last.openTime);

    const admin = floor.admin();
    expect((await admin.delete(`/admin/paper-accounts/${account.id}`)).status).toBe(200);
    const { account: paper, paperTrades } = await floor.againstBacktest(account.id, {
      candles: 5 + 2 + 30 + 3,
    });
    expect(paper.lateCandles).toBe(30);
    const equity = (
      await admin.get(`/paper-accounts/${account.id}/equity`, { query: { limit: 100 } })
    ).body;
    expect(equity.points).toHaveLength(40);
    expect(equity.points.filter((point) => point.late)).toHaveLength(30);
    const fills: { count: string }[] = await floor
      .dataSource()
      .query(`SELECT count(*) FROM paper_fills WHERE account_id = $1`, [account.id]);
    expect(Number(fills[0]!.count)).toBe(paperTrades.length * 2);
  }, 180_000);
});
