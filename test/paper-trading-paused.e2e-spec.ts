import { PaperTradingMarket } from './support/paper-trading-fixtures';

describe('paper trading: paused accounts', () => {
  let floor: PaperTradingMarket;

  beforeAll(async () => {
    floor = await PaperTradingMarket.open('paperpz');
  }, 60_000);
  afterAll(async () => {
    await floor.close();
  });

  it('ignores decisions while paused (equity rows still written) and acts again once resumed', async () => {
    const admin = floor.admin();
    const opened = await admin.post('/admin/paper-accounts', {
      body: {
        name: 'paused',
        strategy: 'choppy-rsi',
        markets: ['BTC'],
        startingCash: 1_000,
      },
    });
    const account = opened.body;
    const paused = await admin.patch(`/admin/paper-accounts/${account.id}`, {
      body: {
        status: 'paused',
      },
    });
    expect(paused.body.status).toBe('paused');
    expect(
      (await admin.patch(`/admin/paper-accounts/${account.id}`, { rawBody: { status: 'gone' } }))
        .errorBody.details,
    ).toEqual([expect.objectContaining({ field: 'status' })]);
    const first = floor.last.openTime + 3_600_000;
    for (let i = 0; i < 8; i++) {
      await floor.closeLive(account.strategy.id);
    }
    await floor.stepped(account.id, floor.last.openTime);
    const dataSource = floor.dataSource();
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
    const equity = (await admin.get(`/paper-accounts/${account.id}/equity`)).body;
    expect(equity.points.map((p) => p.equity)).toEqual(new Array(8).fill(1000));
    expect(
      (await admin.patch(`/admin/paper-accounts/${account.id}`, { body: { status: 'active' } }))
        .body.status,
    ).toBe('active');
    for (let i = 0; i < 12; i++) {
      await floor.closeLive(account.strategy.id);
    }
    await floor.stepped(account.id, floor.last.openTime);
    const after: unknown[] = await dataSource.query(
      `SELECT 1 FROM paper_orders WHERE account_id = $1`,
      [account.id],
    );
    expect(after.length).toBeGreaterThan(0);
  }, 60_000);
});
