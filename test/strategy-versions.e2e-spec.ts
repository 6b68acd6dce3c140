import { graphql } from './support/graphql';
import { LiveMarket } from './support/live-market-fixtures';
import { OVERSOLD, createStrategy } from './support/strategy-fixtures';
import { waitFor } from './support/wait-for';

describe('strategies: versions, dry runs, GraphQL, and bad input', () => {
  let market: LiveMarket;

  beforeAll(async () => {
    market = await LiveMarket.open({ label: 'stvers' });
    // `oversold` at version 1, and a closed candle both strategies decided on.
    await createStrategy(market.http, 'oversold', OVERSOLD);
    const candle = await market.closeNext();
    await waitFor(
      async () => {
        const body = (await market.http.get('/signals/BTC')).body;
        return body.length === 2 && body.every((s) => Date.parse(s.openTime) === candle.openTime)
          ? true
          : undefined;
      },
      { what: 'a signal of each strategy' },
    );
  }, 60_000);
  afterAll(async () => {
    await market.close();
  });

  it('versions a strategy, runs dry without writing, and serves GraphQL the same', async () => {
    const { http, t } = market;
    const current = (await http.get('/strategies/oversold')).body;
    const updated = await http.put(`/admin/strategies/${current.id}`, {
      body: {
        definition: {
          rules: [{ input: 'rsi', condition: { op: 'between', min: 0, max: 100 }, weight: 1 }],
          thresholds: { buy: 0.5, sell: -0.5 },
        },
      },
    });
    expect(updated.body).toMatchObject({ name: 'oversold', version: 2, active: true });
    expect((await http.get(`/strategies/${current.id}`)).body.active).toBe(false);
    // The latest decisions are those of active strategies: not version 1's any more.
    const latest = (await http.get('/signals/BTC')).body;
    expect(latest.length).toBeGreaterThan(0);
    expect(latest.map((signal) => signal.strategyId)).not.toContain(current.id);
    const before = (await http.get('/signals/BTC/history')).body.length;
    const dry = await http.post('/strategies/oversold/evaluate', { body: { symbol: 'BTC' } });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({
      strategyVersion: 2,
      action: 'BUY',
      score: 1,
      createdAt: null,
    });
    expect((await http.get('/signals/BTC/history')).body.length).toBe(before);
    const viaGraphql = await graphql<{ signals: { strategyName: string }[] }>(
      t,
      {
        query:
          '{ signals(symbol: "BTC", strategy: "default") { strategyName action score reasons { label } } }',
      },
      { key: t.adminKey },
    );
    expect(viaGraphql.body.errors).toBeUndefined();
    expect(viaGraphql.body.data?.signals[0]?.strategyName).toBe('default');
  });

  it('answers bad input with 4xx', async () => {
    const { http } = market;
    expect((await http.get('/signals/DOGE')).status).toBe(404);
    expect((await http.get('/signals/BTC/history', { rawQuery: { action: 'MAYBE' } })).status).toBe(
      400,
    );
    expect((await http.get('/signals/BTC', { query: { strategy: 'nope' } })).status).toBe(404);
    expect(
      (
        await http.put('/admin/strategies/not-a-uuid', {
          body: {
            definition: { rules: [{ input: 'rsi', condition: { op: '>', value: 1 }, weight: 1 }] },
          },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await http.post('/admin/strategies', {
          body: {
            name: 'oversold',
            definition: { rules: [{ input: 'rsi', condition: { op: '>', value: 1 }, weight: 1 }] },
          },
        })
      ).status,
    ).toBe(409);
  });
});
