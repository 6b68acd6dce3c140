import { randomBytes } from 'node:crypto';
import type { Candle } from '../src/market-data/candle';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import { WebhookReceiver } from '../src/simulator/webhook-receiver';
import { WebhookUrlGuard } from '../src/webhooks/delivery/webhook-url-guard';
import { sendWebhook } from '../src/webhooks/delivery/webhook-sender';
import { signatureHeader, generateSigningSecret } from '../src/webhooks/delivery/webhook-signature';
import {
  apiClient,
  describeLatencies,
  dropScratchDatabase,
  poll,
  simulatedServiceEnv,
  startServer,
} from './bench-server';

/**
 * npm run bench:live — the whole live path in one service process (`main.js --with-worker`, as
 * `npm start` runs it), fed by the exchange simulator's websocket, ending at a local receiver that
 * verifies every delivery with the `standardwebhooks` library:
 *
 * 1. latency: closed kline sent -> candle stored -> indicators -> LSTM prediction (a small model,
 *    trained and promoted first) -> default strategy decides -> signal stored -> webhook message
 *    fanned out -> delivery job -> signed POST received. p50 / p99 over BENCH_LIVE_CANDLES (500).
 *    Target p99 < 100 ms. Reference in the same run: one signed POST from this process.
 * 2. throughput: 100 subscriptions, BENCH_LIVE_BURST closed candles (20) back to back: deliveries/s
 *    until every message reached its subscriber, next to signed POSTs sent straight from this
 *    process to the same receiver with the same concurrency (WEBHOOK_CONCURRENCY, 50).
 */
const HOUR_MS = 3_600_000;
const CANDLES = Number(process.env.BENCH_LIVE_CANDLES ?? 500);
const BURST = Number(process.env.BENCH_LIVE_BURST ?? 20);
const SUBSCRIBERS = 100;
const CONCURRENCY = 50;
const RUN = `cft_bench_live_${randomBytes(3).toString('hex')}`;
const ADMIN_KEY = `bench-admin-${randomBytes(16).toString('hex')}`;
const MODEL = { layers: 1, units: 16, lookback: 24, epochs: 3, batchSize: 128, patience: 0 };

/** Hourly candles of a seeded random walk with some momentum (the model has something to learn). */
function randomWalk(origin: number, count: number): Candle[] {
  let seed = 42;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const candles: Candle[] = [];
  let close = 30_000;
  let drift = 0;
  for (let i = 0; i < count; i++) {
    drift = 0.4 * drift + (random() - 0.5) * 0.01;
    const next = close * (1 + drift);
    candles.push({
      openTime: origin + i * HOUR_MS,
      open: close,
      high: Math.max(close, next) * (1 + random() * 0.003),
      low: Math.min(close, next) * (1 - random() * 0.003),
      close: next,
      volume: 50 + random() * 50,
      quoteVolume: null,
      tradeCount: 100,
      takerBuyBaseVolume: null,
      takerBuyQuoteVolume: null,
    });
    close = next;
  }
  return candles;
}

async function main(): Promise<void> {
  const now = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  const sim = await ExchangeSimulator.start({ speed: 0 });
  const history = randomWalk(now - 2000 * HOUR_MS, 2000);
  sim.load('BTCUSDT', '1h', history);
  const receiver = await WebhookReceiver.start();
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    server = await startServer(
      'src/main.js',
      {
        ...simulatedServiceEnv({
          run: RUN,
          sim,
          symbols: ['BTC'],
          backfillFrom: now - 2000 * HOUR_MS,
        }),
        ADMIN_API_KEY: ADMIN_KEY,
        LIVE_STREAM: 'true',
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        WEBHOOK_CONCURRENCY: String(CONCURRENCY),
        WEBHOOK_MAX_PER_KEY: String(SUBSCRIBERS + 10),
        RATE_LIMIT_MAX: '10000000',
      },
      ['--with-worker'],
    );
    const call = apiClient(`http://127.0.0.1:${server.port}`, ADMIN_KEY);
    await poll('the backfill and the stream', async () => {
      const markets = (await call('GET', '/markets')) as unknown as { count: number }[];
      return markets[0]!.count >= 2000 && sim.openConnections === 1 ? true : undefined;
    });
    const { jobId } = (await call('POST', '/admin/models/train', {
      symbol: 'BTC',
      interval: '1h',
      params: MODEL,
    })) as { jobId: string };
    const job = await poll(
      'the training job',
      async () => {
        const state = await call('GET', `/jobs/${jobId}`);
        if (state.state === 'failed') {
          throw new Error(`training failed: ${String(state.error)}`);
        }
        return state.state === 'completed'
          ? (state.result as { modelVersionId: string; status: string })
          : undefined;
      },
      { timeoutMs: 600_000 },
    );
    if (job.status !== 'production') {
      await call('POST', `/admin/models/${job.modelVersionId}/promote`);
    }
    await poll('the first prediction', async () =>
      (await call('GET', '/predict/BTC')).predictedClose ? true : undefined,
    );

    // 1. Latency, one subscriber.
    const first = await call('POST', '/webhooks', {
      url: `${receiver.url}/latency`,
      events: ['signal.created'],
    });
    receiver.trust(first.secret as string, '/latency');
    let last: Candle = history[history.length - 1]!;
    const nextCandle = (i: number): Candle => {
      const close = last.close * (1 + Math.sin(i) * 0.004);
      const candle: Candle = {
        ...last,
        openTime: last.openTime + HOUR_MS,
        open: last.close,
        high: Math.max(last.close, close) * 1.001,
        low: Math.min(last.close, close) * 0.999,
        close,
      };
      sim.append('BTCUSDT', '1h', candle);
      last = candle;
      return candle;
    };
    const openTimeOf = (body: string) =>
      Date.parse((JSON.parse(body) as { data: { openTime: string } }).data.openTime);
    const latencies: number[] = [];
    for (let i = 0; i < CANDLES; i++) {
      const candle = nextCandle(i);
      const sentAt = performance.timeOrigin + performance.now();
      await sim.emit('BTCUSDT', '1h', candle, true);
      await receiver.until(
        (received) =>
          received.some(
            (hook) => hook.path === '/latency' && openTimeOf(hook.body) === candle.openTime,
          ),
        10_000,
      );
      const hook = receiver.received.find(
        (h) => h.path === '/latency' && openTimeOf(h.body) === candle.openTime,
      )!;
      if (!hook.verified) {
        throw new Error('a delivery did not verify');
      }
      latencies.push(hook.receivedAt - sentAt);
    }

    // Reference: a signed POST from this process to the same receiver.
    const guard = new WebhookUrlGuard(['127.0.0.1']);
    const secret = generateSigningSecret();
    receiver.trust(secret, '/direct-latency');
    for (let s = 0; s < SUBSCRIBERS; s++) {
      receiver.trust(secret, `/direct/${s}`);
    }
    const body = receiver.received.find((h) => h.path === '/latency')!.body;
    const direct = async (path: string) => {
      const at = new Date();
      const id = `msg_${randomBytes(12).toString('hex')}`;
      const result = await sendWebhook({
        url: `${receiver.url}${path}`,
        body,
        timeoutMs: 15_000,
        guard,
        headers: {
          'webhook-id': id,
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signatureHeader([secret], id, at, body),
        },
      });
      if (!result.ok) {
        throw new Error(`direct POST failed: ${result.error}`);
      }
    };
    const directLatencies: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      await direct('/direct-latency');
      directLatencies.push(performance.now() - started);
    }

    console.log(
      `1. Closed kline from the exchange simulator -> signed webhook received (${CANDLES} candles, 1 subscriber, LSTM + default strategy)`,
    );
    console.log(`   service: ${describeLatencies(latencies, 1)} (target p99 < 100 ms)`);
    console.log(
      `   reference, one signed POST straight to the receiver: ${describeLatencies(directLatencies)}`,
    );

    // 2. Throughput, 100 subscribers.
    await call('DELETE', `/webhooks/${first.id as string}`);
    for (let s = 0; s < SUBSCRIBERS; s++) {
      const created = await call('POST', '/webhooks', {
        url: `${receiver.url}/fan/${s}`,
        events: ['signal.created'],
      });
      receiver.trust(created.secret as string, `/fan/${s}`);
    }
    const isFan = (path: string) => path.startsWith('/fan/');
    const before = receiver.received.filter((h) => isFan(h.path)).length;
    const expected = SUBSCRIBERS * BURST;
    const started = performance.now();
    for (let i = 0; i < BURST; i++) {
      await sim.emit('BTCUSDT', '1h', nextCandle(CANDLES + i), true);
    }
    await receiver.until(
      (received) => received.filter((h) => isFan(h.path)).length - before >= expected,
      300_000,
    );
    const serviceSeconds = (performance.now() - started) / 1000;
    const fans = receiver.received.filter((h) => isFan(h.path)).slice(before);
    const unverified = fans.filter((h) => !h.verified).length;
    const uniqueMessages = new Set(fans.map((h) => `${h.path} ${h.headers['webhook-id']}`)).size;

    let sent = 0;
    const directStarted = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent < expected) {
          sent++;
          await direct(`/direct/${sent % SUBSCRIBERS}`);
        }
      }),
    );
    const directSeconds = (performance.now() - directStarted) / 1000;
    const serviceRate = expected / serviceSeconds;
    const directRate = expected / directSeconds;
    console.log(
      `\n2. ${SUBSCRIBERS} subscribers, ${BURST} closed candles back to back: ${expected} deliveries`,
    );
    console.log(
      `   service (fan-out, one job per message and subscriber, signed POST, attempt logged): ${Math.round(serviceRate)} deliveries/s (${serviceSeconds.toFixed(1)} s, ${uniqueMessages} distinct, ${unverified} unverified)`,
    );
    console.log(
      `   reference, signed POSTs straight from this process (${CONCURRENCY} at once): ${Math.round(directRate)} deliveries/s`,
    );
    console.log(`   ratio: ${((serviceRate / directRate) * 100).toFixed(0)}% of the reference`);
  } finally {
    server?.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await receiver.close();
    await sim.close();
    await dropScratchDatabase(RUN).catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
