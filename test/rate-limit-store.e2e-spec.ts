import Redis from 'ioredis';
import { BatchedRedisStore } from '../src/common/rate-limit-store';
import { REDIS_URL, scratchName } from './support/test-env';
import { waitFor } from './support/wait-for';

function incr(
  store: BatchedRedisStore,
  key: string,
  windowMs: number,
  max: number,
): Promise<{ current: number; ttl: number }> {
  return new Promise((resolve, reject) =>
    store.incr(
      key,
      (error, result) =>
        error || !result ? reject(error ?? new Error('no result')) : resolve(result),
      windowMs,
      max,
    ),
  );
}

describe('the batched rate-limit store (real Redis)', () => {
  const redis = new Redis(REDIS_URL);
  afterAll(() => redis.disconnect());

  it('counts far from the limit locally and adds the counts to the shared Redis counter within 25 ms', async () => {
    const prefix = `${scratchName('rl')}:`;
    const a = new BatchedRedisStore(redis, prefix);
    const b = new BatchedRedisStore(redis, prefix);
    const windowMs = 3_600_000;
    const results = [];
    for (let i = 0; i < 100; i++) {
      results.push(await incr(a, 'key:x', windowMs, 10_000));
    }
    expect(results.map((r) => r.current)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const window = Math.floor(Date.now() / windowMs);
    // The batch reaches Redis a moment later: wait for it rather than a fixed time.
    await waitFor(
      async () => (Number(await redis.get(`${prefix}key:x:${window}`)) === 100 ? true : undefined),
      { what: 'the batched count in Redis', timeoutMs: 2_000, intervalMs: 10 },
    );
    expect(Number(await redis.get(`${prefix}key:x:${window}`))).toBe(100);
    // Another replica's first request in the window is counted in Redis and sees the shared total.
    expect((await incr(b, 'key:x', windowMs, 10_000)).current).toBe(101);
  });

  it('is exact near the limit, across replicas', async () => {
    const prefix = `${scratchName('rl')}:`;
    const a = new BatchedRedisStore(redis, prefix);
    const b = new BatchedRedisStore(redis, prefix);
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      counts.push(
        (await incr(a, 'key:y', 60_000, 4)).current,
        (await incr(b, 'key:y', 60_000, 4)).current,
      );
    }
    // Limit 4: every request is at or past half of it, so each one goes through Redis.
    expect(counts).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
