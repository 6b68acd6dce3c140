import Redis from 'ioredis';

import { shardOwner } from '../src/cluster/market-shards.service';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { simulatedMarkets } from '../src/simulator/simulated-markets';
import { WebhookReceiver } from '../src/simulator/webhook-receiver';
import { run, type Running } from './support/processes';
import { REDIS_URL, databaseUrl, scratchName, testEnv } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { api, type Schema } from './support/api';
import { waitFor } from './support/wait-for';

const HOUR_MS = 3_600_000;
const BASES = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF', 'GGG', 'HHH', 'III', 'JJJ', 'KKK', 'LLL'];

type Signal = Schema<'SignalDto'>;

/**
 * Worker processes share the live path: each market's closing candle is decided by one of them
 * (rendezvous hashing over the live members), and a worker killed during a closing burst loses
 * nothing: a survivor takes its markets over and decides their candle, marked late.
 */
describe('the live path shared by worker processes', () => {
  let sim: ExchangeSimulator;
  let receiver: WebhookReceiver;
  let t: TestApp;
  let redis: Redis;
  const workers: Running[] = [];
  const prefix = scratchName('shards');
  const now = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  // Every candle of the test closes before real time.
  const clock = now - 10 * HOUR_MS + 30 * 60_000;
  const origin = Math.floor(clock / HOUR_MS) * HOUR_MS - 400 * HOUR_MS;
  const admin = () => api(t, { key: t.adminKey });

  async function signalsAt(openTime: number): Promise<Signal[]> {
    const all = await Promise.all(
      BASES.map(async (base) => {
        const response = await admin().get(`/signals/${base}/history`, {
          query: {
            from: String(openTime),
            to: String(openTime),
          },
        });
        return response.body.map((s) => ({ ...s, symbol: base }));
      }),
    );
    return all.flat().filter((s) => Date.parse(s.openTime) === openTime);
  }

  async function decidedPerWorker(): Promise<Map<string, number>> {
    const keys = await redis.keys(`${prefix}:live:decided:*`);
    const counts = new Map<string, number>();
    for (const key of keys) {
      counts.set(key.slice(`${prefix}:live:decided:`.length), Number(await redis.get(key)));
    }
    return counts;
  }

  const membersKey = `${prefix}:cluster:live-members`;

  beforeAll(async () => {
    sim = await ExchangeSimulator.start({
      speed: 0,
      startTime: clock,
      markets: simulatedMarkets({
        bases: BASES,
        quote: 'USDT',
        intervals: ['1h'],
        origin: origin - 24 * HOUR_MS,
        seed: 'shards',
      }),
    });
    receiver = await WebhookReceiver.start();
    redis = new Redis(REDIS_URL);
    const env = testEnv({
      DATABASE_URL: databaseUrl(scratchName('shards')),
      REDIS_PREFIX: prefix,
      SYMBOLS: BASES.join(','),
      INTERVALS: '1h',
      MODEL_INTERVALS: '1h',
      EXCHANGE: 'binance',
      EXCHANGE_REST_URL: sim.restUrl,
      EXCHANGE_WS_URL: sim.wsUrl,
      BACKFILL_FROM: new Date(origin).toISOString(),
      LIVE_STREAM: 'true',
      STREAM_LEASE_MS: '1000',
      WORKER_HEARTBEAT_MS: '1000',
      SIGNAL_CATCH_UP_GRACE_MS: '60000',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    });
    t = await startTestApp({ worker: false, env });
    // The workers log how they share the live path (the only outside view of their membership).
    const workerEnv = { ...env, LOG_LEVEL: 'info' };
    workers.push(run('worker.js', workerEnv), run('worker.js', workerEnv));
    await waitFor(
      async () => {
        const markets = (await admin().get('/markets')).body;
        return markets.length === BASES.length &&
          markets.every((m) => m.count >= 400) &&
          sim.openConnections === 1 &&
          (await redis.zcard(membersKey)) === 2
          ? true
          : undefined;
      },
      { what: 'the backfill, the stream and both workers', timeoutMs: 90_000 },
    );
    const hook = await admin().post('/webhooks', {
      body: {
        url: `${receiver.url}/signals`,
        events: ['signal.created'],
      },
    });
    expect(hook.status).toBe(201);
    receiver.trust(hook.body.secret, '/signals');
    // Both workers see each other (heartbeats) before the first burst.
    await waitFor(
      async () =>
        workers.every((worker) => worker.output().includes('Live path shared by 2 worker(s)'))
          ? true
          : undefined,
      { what: 'both workers to see each other' },
    );
  }, 120_000);

  afterAll(async () => {
    workers.forEach((worker) => worker.child.kill('SIGKILL'));
    redis.disconnect();
    await t.close();
    await receiver.close();
    await sim.close();
  });

  const hooksAt = (openTime: number) =>
    receiver.received.filter(
      (h) =>
        h.path === '/signals' &&
        Date.parse((JSON.parse(h.body) as { data: { openTime: string } }).data.openTime) ===
          openTime,
    );

  it('splits a closing burst between the workers, each market decided once', async () => {
    const before = await decidedPerWorker();
    const openTime = Math.floor(sim.now() / HOUR_MS) * HOUR_MS;
    await sim.advance(HOUR_MS);
    await waitFor(async () => ((await signalsAt(openTime)).length === 12 ? true : undefined), {
      what: 'a signal for every market',
      timeoutMs: 20_000,
    });
    await receiver.until(() => hooksAt(openTime).length >= 12, 20_000);
    const counts = [...(await decidedPerWorker())].map(
      ([worker, count]) => count - (before.get(worker) ?? 0),
    );
    expect(counts).toHaveLength(2);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(12);
    expect(Math.min(...counts)).toBeGreaterThan(0);
    const signals = await signalsAt(openTime);
    expect(signals.every((s) => s.lateMs === null)).toBe(true);
    expect(hooksAt(openTime).every((h) => h.verified)).toBe(true);
    // Every market has this candle's forecast.
    for (const base of BASES) {
      const forecast = (await admin().get(`/predict/${base}`)).body;
      expect(Date.parse(forecast.openTime)).toBe(openTime);
    }
  });

  it('loses nothing when a worker is killed during a burst: the survivor decides its markets late', async () => {
    const owner = (await redis.get(`${prefix}:market-data:stream-owner`)) ?? '';
    // Kill the worker that does not hold the exchange stream: its markets' candles arrive, and
    // nobody decides them until the survivor sees it gone.
    const victim = workers.find((w) => !owner.includes(`:${w.child.pid}:`)) ?? workers[1]!;
    const members = await redis.zrange(membersKey, 0, -1);
    const victimId = members.find((member) => member.includes(`:${victim.child.pid}:`));
    expect(victimId).toBeDefined();
    const victimMarkets = BASES.filter(
      (base) => shardOwner(members, `${base}USDT:1h`) === victimId,
    );
    expect(victimMarkets.length).toBeGreaterThan(0);
    const openTime = Math.floor(sim.now() / HOUR_MS) * HOUR_MS;
    const advanced = sim.advance(HOUR_MS);
    victim.child.kill('SIGKILL');
    await advanced;
    await waitFor(async () => ((await signalsAt(openTime)).length === 12 ? true : undefined), {
      what: 'a signal for every market after the kill',
      timeoutMs: 30_000,
    });
    // A delivery the dead worker held, or a message it stored without queueing, is sent again
    // by the sweep the takeover starts (within seconds, not the minute of the regular sweep).
    await receiver.until(() => hooksAt(openTime).length >= 12, 45_000);
    const signals = await signalsAt(openTime);
    expect(new Set(signals.map((s) => s.symbol)).size).toBe(12);
    // The survivor's own markets on time; the dead worker's taken over and marked late (one it
    // got to decide in the moment before the kill landed is on time, and that is fine).
    const late = signals.filter((s) => s.lateMs !== null);
    expect(late.length).toBeGreaterThan(0);
    for (const signal of late) {
      expect(victimMarkets).toContain(signal.symbol);
      expect(signal.lateMs).toBeGreaterThan(0);
    }
    expect(hooksAt(openTime).every((h) => h.verified)).toBe(true);
    expect(new Set(hooksAt(openTime).map((h) => h.headers['webhook-id'])).size).toBe(12);
    for (const base of BASES) {
      const forecast = (await admin().get(`/predict/${base}`)).body;
      expect(Date.parse(forecast.openTime)).toBe(openTime);
    }
    // The next burst: the survivor alone decides every market, on time.
    expect(await redis.zcard(membersKey)).toBe(1);
    const next = Math.floor(sim.now() / HOUR_MS) * HOUR_MS;
    await sim.advance(HOUR_MS);
    await waitFor(async () => ((await signalsAt(next)).length === 12 ? true : undefined), {
      what: 'the next burst, decided by the survivor',
      timeoutMs: 20_000,
    });
    expect((await signalsAt(next)).every((s) => s.lateMs === null)).toBe(true);
  });
});
