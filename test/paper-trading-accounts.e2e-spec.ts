import Redis from 'ioredis';
import { fieldProblems } from './support/api';
import { PaperTradingMarket } from './support/paper-trading-fixtures';
import { REDIS_URL } from './support/test-env';
import { sleep } from './support/wait-for';

describe('paper trading: accounts opened by admins, filled as a backtest fills them', () => {
  let floor: PaperTradingMarket;
  let clientKey: string;
  let redis: Redis;
  let subscriber: Redis;
  /** `signal.created` messages as published. */
  const signalMessages: string[] = [];

  beforeAll(async () => {
    floor = await PaperTradingMarket.open('paper');
    redis = new Redis(REDIS_URL);
    subscriber = new Redis(REDIS_URL);
    await subscriber.subscribe(`${floor.market.prefix}:events:signal.created`);
    subscriber.on('message', (_channel: string, message: string) => signalMessages.push(message));
    clientKey = (
      await floor
        .admin()
        .post('/admin/api-keys', { body: { name: 'paper-reader', role: 'client' } })
    ).body.key;
  }, 60_000);
  afterAll(async () => {
    redis.disconnect();
    subscriber.disconnect();
    await floor.close();
  });

  it('refuses bad input naming the field, and lets a client key read but not write', async () => {
    const admin = floor.admin();
    const good = { name: 'refused', strategy: 'choppy-rsi', markets: ['BTC'], startingCash: 1000 };
    const problems = async (body: object) => {
      const response = await admin.post('/admin/paper-accounts', { rawBody: body });
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
    expect((await floor.as(clientKey).post('/admin/paper-accounts', { body: good })).status).toBe(
      403,
    );
    expect((await floor.as(clientKey).get('/paper-accounts')).status).toBe(200);
    expect((await admin.get('/paper-accounts/not-a-uuid')).status).toBe(400);
    expect((await admin.get('/paper-accounts/00000000-0000-4000-8000-000000000000')).status).toBe(
      404,
    );
  });

  it('makes exactly the trades and ends with exactly the equity of a backtest of the same candles', async () => {
    const admin = floor.admin();
    const terms = {
      name: 'forward',
      strategy: 'choppy-rsi',
      markets: ['BTC'],
      startingCash: 10_000,
      feeRate: 0.001,
      slippage: 0.0005,
      sizing: { kind: 'volatility' as const, targetVolatility: 0.01 },
    };
    const opened = await admin.post('/admin/paper-accounts', { body: terms });
    expect(opened.status).toBe(201);
    const account = opened.body;
    expect(Date.parse(account.startTime)).toBe(floor.last.openTime + 3_600_000);
    // A retried request with the same terms is the same account; other terms are a conflict.
    const again = await admin.post('/admin/paper-accounts', { body: terms });
    expect(again.body.id).toBe(account.id);
    expect(
      (
        await admin.post('/admin/paper-accounts', {
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
      await floor.closeLive(account.strategy.id);
    }
    await floor.stepped(account.id, floor.last.openTime);
    // A duplicated signal.created and candle.closed change nothing.
    const signal = signalMessages.find(
      (message) =>
        (JSON.parse(message) as { strategyId: string }).strategyId === account.strategy.id,
    )!;
    await redis.publish(`${floor.market.prefix}:events:signal.created`, signal);
    await floor.market.sim.emit('BTCUSDT', '1h', floor.last, true);
    // The point is that nothing changes: give the repeats time to be processed, then look.
    await sleep(500);

    const closing = await admin.delete(`/admin/paper-accounts/${account.id}`);
    expect(closing.status).toBe(200);
    expect(closing.body.status).toBe('closed');
    const {
      account: paper,
      backtest,
      paperTrades,
    } = await floor.againstBacktest(account.id, { candles: 40 });
    expect(new Set(paperTrades.map((trade) => trade.exitReason))).toContain('signal');
    expect(paper.metrics.trades).toBe(backtest.result.strategy.trades);
    expect(paper.metrics.sharpe).toBeCloseTo(backtest.result.strategy.sharpe, 10);
    expect(paper.backtest?.finalEquity).toBe(backtest.result.strategy.finalEquity);
    expect(paper.buyAndHold?.finalEquity).toBeCloseTo(backtest.result.buyAndHold.finalEquity, 9);
    expect(paper.lateCandles).toBe(0);
    const equity = (
      await admin.get(`/paper-accounts/${account.id}/equity`, { query: { limit: 25 } })
    ).body;
    expect(equity.points).toHaveLength(25);
    const rest = (
      await admin.get(`/paper-accounts/${account.id}/equity`, {
        query: { from: equity.next!, limit: 25 },
      })
    ).body;
    expect(rest.points).toHaveLength(15);
    expect(rest.next).toBeNull();
    expect([...equity.points, ...rest.points].map((p) => p.equity)).toEqual(
      backtest.equity!.map(([, value]) => value),
    );
    // Closed: kept for the record, and closing again changes nothing.
    expect((await admin.delete(`/admin/paper-accounts/${account.id}`)).status).toBe(200);
    expect(
      (await admin.patch(`/admin/paper-accounts/${account.id}`, { body: { status: 'paused' } }))
        .status,
    ).toBe(409);
  }, 120_000);
});
