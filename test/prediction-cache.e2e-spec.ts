import { AppConfig } from '../src/config/app-config';
import { PredictionCache, type CachedPrediction } from '../src/models/live/prediction.cache';
import { PREDICTION_UPDATED } from '../src/models/model-events';
import { RedisService } from '../src/redis/redis.service';
import { scratchName, testEnv } from './support/test-env';
import { sleep, waitFor } from './support/wait-for';

const HOUR_MS = 3_600_000;
const market = { exchange: 'binance', symbol: 'BTCUSDT', interval: '1h' };

function prediction(openTime: number, modelVersionId = 'model-a'): CachedPrediction {
  return {
    exchange: market.exchange,
    symbol: 'BTC',
    pair: market.symbol,
    interval: market.interval,
    kind: 'model',
    horizons: [],
    openTime,
    targetTime: openTime + HOUR_MS,
    horizon: 1,
    lastClose: 100,
    predictedClose: 101,
    predictedReturn: 0.00995,
    probabilityUp: 0.6,
    modelVersionId,
    trainedAt: openTime - HOUR_MS,
    testMae: 1,
    testPersistenceMae: 1.1,
    liveCount: 0,
    liveMae: null,
    livePersistenceMae: null,
    computedAt: openTime + 1000,
  };
}

/** Waits until `check` holds, at most `withinMs`; returns how long that took. */
async function eventually(check: () => Promise<boolean>, withinMs: number): Promise<number> {
  const started = Date.now();
  await waitFor(async () => ((await check()) ? true : undefined), {
    timeoutMs: withinMs,
    intervalMs: 20,
  });
  return Date.now() - started;
}

describe('the prediction cache and its in-process mirror (real Redis)', () => {
  const config = AppConfig.fromEnv(testEnv({ REDIS_PREFIX: scratchName('predcache') }));
  // Two replicas: a worker writing and publishing, an api reading through its mirror.
  const workerRedis = new RedisService(config);
  const apiRedis = new RedisService(config);
  const worker = new PredictionCache(workerRedis, config);
  const api = new PredictionCache(apiRedis, config);

  afterAll(async () => {
    await workerRedis.client.del(
      config.redisKey('predictions', 'latest', market.exchange, market.symbol, market.interval),
    );
    await Promise.all([workerRedis.onApplicationShutdown(), apiRedis.onApplicationShutdown()]);
  });

  async function publish(value: CachedPrediction): Promise<void> {
    await worker.write(market, value);
    await workerRedis.publish(PREDICTION_UPDATED, JSON.stringify(value));
  }

  it('serves the stored prediction, then each published one without reading Redis', async () => {
    expect(await api.read(market)).toBeUndefined();
    const first = prediction(10 * HOUR_MS);
    await publish(first);
    // The first read found nothing; the message updates the mirror at once.
    await eventually(async () => (await api.read(market))?.openTime === first.openTime, 500);

    const commands: string[] = [];
    const prefix = config.get('REDIS_PREFIX');
    const monitor = await apiRedis.client.monitor();
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      // Commands run inside the worker's write script show as source "lua".
      if (source !== 'lua' && args.some((arg) => arg.startsWith(prefix))) {
        commands.push(args.join(' '));
      }
    });
    try {
      const second = prediction(11 * HOUR_MS);
      await publish(second);
      await eventually(async () => (await api.read(market))?.openTime === second.openTime, 500);
      for (let i = 0; i < 50; i++) {
        expect((await api.read(market))?.openTime).toBe(second.openTime);
      }
      // The worker's write script and publish only: no GET per read.
      expect(commands.filter((command) => /^get /i.test(command))).toEqual([]);
    } finally {
      monitor.disconnect();
    }
  });

  it('keeps the newer candle when an older prediction arrives late, and takes a new model on the same candle', async () => {
    const current = prediction(20 * HOUR_MS);
    await publish(current);
    await eventually(async () => (await api.read(market))?.openTime === current.openTime, 500);
    await workerRedis.publish(
      PREDICTION_UPDATED,
      JSON.stringify(prediction(current.openTime - HOUR_MS)),
    );
    // The point is that nothing changes: give the late message time to arrive, then look.
    await sleep(100);
    expect((await api.read(market))?.openTime).toBe(current.openTime);

    await publish(prediction(current.openTime, 'model-b'));
    await eventually(async () => (await api.read(market))?.modelVersionId === 'model-b', 500);
  });

  it('notices a change made without a message (a model retired on another replica) within about a second', async () => {
    const stored = prediction(30 * HOUR_MS);
    await publish(stored);
    await eventually(async () => (await api.read(market))?.openTime === stored.openTime, 500);
    expect(await api.read(market)).toBeDefined();
    await worker.clear(market);
    const tookMs = await eventually(async () => (await api.read(market)) === undefined, 2500);
    expect(tookMs).toBeLessThan(2000);
  });
});
