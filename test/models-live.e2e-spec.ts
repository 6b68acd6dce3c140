import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import type { Candle } from '../src/market-data/candle';
import { CANDLES, HOUR_MS, type LiveMarket } from './support/live-market-fixtures';
import { openModelsMarket, productionModel } from './support/models-fixtures';
import { REDIS_URL } from './support/test-env';
import { sleep, waitFor } from './support/wait-for';

describe('models: live predictions on every closed candle', () => {
  let market: LiveMarket;

  beforeAll(async () => {
    market = await openModelsMarket('mlive');
    // A production model whose latest prediction is at the fixture's last candle.
    await productionModel(market.http);
  }, 180_000);
  afterAll(async () => {
    await market.close();
  });

  it('predicts on every closed candle, publishes prediction.updated, and records the realised error', async () => {
    const { http, sim, t } = market;
    const subscriber = new Redis(REDIS_URL);
    const events: { openTime: number }[] = [];
    await subscriber.subscribe(`${market.prefix}:events:prediction.updated`);
    subscriber.on('message', (_channel: string, message: string) =>
      events.push(JSON.parse(message) as { openTime: number }),
    );
    try {
      const last = CANDLES[CANDLES.length - 1]!;
      const next: Candle = {
        ...last,
        openTime: last.openTime + HOUR_MS,
        open: last.close,
        close: last.close * 1.002,
        high: last.close * 1.004,
        low: last.close * 0.999,
      };
      await waitFor(async () => (sim.openConnections === 1 ? true : undefined), {
        what: 'the stream',
      });
      sim.append('BTCUSDT', '1h', next);
      await sim.emit('BTCUSDT', '1h', next, true);
      const prediction = await waitFor(
        async () => {
          const body = (await http.get('/predict/BTC')).body;
          return Date.parse(body.openTime) === next.openTime ? body : undefined;
        },
        { what: 'the prediction at the new candle' },
      );
      // The prediction made at the previous candle targeted this one: its error is now known.
      expect(prediction.model?.liveCount).toBe(1);
      expect(prediction.model?.livePersistenceMae).toBeCloseTo(
        Math.abs(next.close - last.close),
        6,
      );
      expect(events.some((event) => event.openTime === next.openTime)).toBe(true);
      // The stored row keeps the whole forecast, every horizon, as it was served.
      const [row] = await t.app
        .get(DataSource)
        .query<{ horizons: { horizon: number; lower: number; upper: number }[] }[]>(
          `SELECT horizons FROM predictions WHERE symbol = 'BTCUSDT' AND open_time = to_timestamp($1 / 1000.0)`,
          [next.openTime],
        );
      expect(row!.horizons.map((h) => h.horizon)).toEqual([1, 4, 24]);
      expect(row!.horizons[2]!.upper).toBeCloseTo(prediction.horizons[2]!.upper, 12);
      // Delivered twice: still one prediction row for that candle.
      await sim.emit('BTCUSDT', '1h', next, true);
      // The point is that nothing more happens: give the repeat time to be processed, then count.
      await sleep(300);
      expect(events.filter((event) => event.openTime === next.openTime)).toHaveLength(1);
    } finally {
      subscriber.disconnect();
    }
  });
});
