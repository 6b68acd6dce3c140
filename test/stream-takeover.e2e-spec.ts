import { RedisService } from '../src/redis/redis.service';
import { api, type Schema } from './support/api';
import { graphql } from './support/graphql';
import { startTestApp } from './support/test-app';
import { scratchName } from './support/test-env';

/** What /markets and GraphQL say of the exchange stream while its lease changes hands. */
describe('stream status during a takeover', () => {
  type LiveState = Schema<'LiveStreamStateDto'>;

  it('shows the lease age and marks the stream unknown once the owner missed a renewal', async () => {
    const own = await startTestApp({
      env: { REDIS_PREFIX: scratchName('stream'), STREAM_LEASE_MS: '10000' },
    });
    const redis = own.app.get(RedisService).client;
    const leaseKey = own.config.redisKey('market-data', 'stream-owner');
    const stateKey = own.config.redisKey('market-data', 'stream-state');
    const live = async (): Promise<LiveState[]> => {
      const rest = await api(own, { key: own.adminKey }).get('/markets');
      expect(rest.status).toBe(200);
      const viaGraphql = (
        await graphql<{ markets: { live: LiveState }[] }>(
          own,
          { query: '{ markets { live { connected status owner leaseAgeMs } } }' },
          { key: own.adminKey },
        )
      ).body.data!.markets;
      const viaRest = rest.body.map((market) => market.live);
      expect(viaGraphql.map((market) => market.live.status)).toEqual(
        viaRest.map((market) => market.status),
      );
      return viaRest;
    };
    try {
      // Nobody owns the stream.
      expect((await live())[0]).toEqual(
        expect.objectContaining({
          connected: false,
          status: 'disconnected',
          owner: null,
          leaseAgeMs: null,
        }),
      );

      // A worker holds a fresh lease and reports its websocket connected.
      await redis.hset(stateKey, {
        owner: 'worker-a',
        connected: '1',
        since: String(Date.now()),
      });
      await redis.set(leaseKey, 'worker-a', 'PX', 10_000);
      const fresh = await live();
      expect(fresh.every((market) => market.status === 'connected' && market.connected)).toBe(true);
      expect(fresh[0]!.owner).toBe('worker-a');
      expect(fresh[0]!.leaseAgeMs).toBeGreaterThanOrEqual(0);
      expect(fresh[0]!.leaseAgeMs).toBeLessThan(1_000);

      // Its last renewal was 6 s ago (it renews every 3.3 s): it died or stalled. Its report of
      // a connected websocket is still in Redis, but the stream is no longer shown connected.
      await redis.set(leaseKey, 'worker-a', 'PX', 4_000);
      const missed = await live();
      expect(missed.every((market) => market.status === 'unknown' && !market.connected)).toBe(true);
      expect(missed[0]!.owner).toBe('worker-a');
      expect(missed[0]!.leaseAgeMs).toBeGreaterThanOrEqual(6_000);
      expect(missed[0]!.leaseAgeMs).toBeLessThan(7_000);

      // A survivor took the lease and is still connecting: the dead worker's report is not its own.
      await redis.set(leaseKey, 'worker-b', 'PX', 10_000);
      const takenOver = await live();
      expect(takenOver[0]).toEqual(
        expect.objectContaining({ connected: false, status: 'disconnected', owner: 'worker-b' }),
      );

      await redis.hset(stateKey, {
        owner: 'worker-b',
        connected: '1',
        since: String(Date.now()),
      });
      expect((await live())[0]).toEqual(
        expect.objectContaining({ connected: true, status: 'connected', owner: 'worker-b' }),
      );
    } finally {
      await redis.del(leaseKey, stateKey);
      await own.close();
    }
  });
});
