import Redis from 'ioredis';
import { LiveMarket } from './support/live-market-fixtures';
import { OVERSOLD } from './support/strategy-fixtures';
import { REDIS_URL } from './support/test-env';
import { sleep, waitFor } from './support/wait-for';

describe('strategies: live signals, once per strategy and closed candle', () => {
  let market: LiveMarket;
  let subscriber: Redis;
  const events: { strategyId: string; openTime: number; action: string }[] = [];

  beforeAll(async () => {
    market = await LiveMarket.open({ label: 'stsig' });
    subscriber = new Redis(REDIS_URL);
    await subscriber.subscribe(`${market.prefix}:events:signal.created`);
    subscriber.on('message', (_channel: string, message: string) =>
      events.push(JSON.parse(message) as (typeof events)[number]),
    );
  }, 60_000);
  afterAll(async () => {
    subscriber.disconnect();
    await market.close();
  });

  it('decides on every closed candle, once per strategy and candle, with the reasons', async () => {
    const { http, sim } = market;
    const created = await http.post('/admin/strategies', {
      body: { name: 'oversold', definition: OVERSOLD },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'oversold', version: 1, needsModel: false });
    const candle = await market.closeNext();
    const signals = await waitFor(
      async () => {
        const body = (await http.get('/signals/BTC')).body;
        return body.length === 2 && body.every((s) => Date.parse(s.openTime) === candle.openTime)
          ? body
          : undefined;
      },
      { what: 'a signal of each strategy' },
    );
    const oversold = signals.find((s) => s.strategyName === 'oversold')!;
    expect(oversold.reasons[0]).toMatchObject({ label: 'RSI below 101' });
    expect(oversold.reasons[0]!.value).toBeGreaterThan(0);
    expect(oversold.action).toBe(
      oversold.score >= 0.4 ? 'BUY' : oversold.score <= -0.4 ? 'SELL' : 'HOLD',
    );
    expect(oversold.prediction).toBeNull();
    // The same closed kline delivered again: still one signal per strategy, published once.
    await sim.emit('BTCUSDT', '1h', candle, true);
    // The point is that nothing more happens: give the repeat time to be processed, then count.
    await sleep(500);
    const history = (
      await http.get('/signals/BTC/history', { query: { from: String(candle.openTime) } })
    ).body;
    expect(history).toHaveLength(2);
    expect(events.filter((e) => e.openTime === candle.openTime)).toHaveLength(2);
  });
});
