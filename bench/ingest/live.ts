import Redis from 'ioredis';
import type { Candle } from '../../src/market-data/candle';
import { CANDLE_CLOSED } from '../../src/market-data/candle-events';
import { LiveCandlesService } from '../../src/market-data/stream/live-candles.service';
import { ExchangeSimulator } from '../../src/simulator/exchange-simulator';
import {
  describeLatencies,
  describeWarmup,
  generatedBtcMarket,
  percentile,
  waitUntil,
} from '../bench-server';
import { configFor, dropScratch, RUN, scratchUrl, withContext } from './scratch-app';

const MINUTE_MS = 60_000;

/**
 * Sends one message at a time and waits for it to arrive: the latencies of `count` round trips
 * after `warmup` ones (timed apart, not counted).
 */
async function roundTrips(params: {
  warmup: number;
  count: number;
  subscriber: Redis;
  send: (index: number) => Promise<void>;
  matches: (message: string, index: number) => boolean;
}): Promise<{ warmup: number[]; latencies: number[] }> {
  const warmup: number[] = [];
  const latencies: number[] = [];
  for (let i = 0; i < params.warmup + params.count; i++) {
    const arrived = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`message ${i} did not arrive within 5 s`)),
        5000,
      );
      const listener = (_channel: string, message: string) => {
        if (params.matches(message, i)) {
          clearTimeout(timer);
          params.subscriber.off('message', listener);
          resolve();
        }
      };
      params.subscriber.on('message', listener);
    });
    const started = performance.now();
    await params.send(i);
    await arrived;
    (i < params.warmup ? warmup : latencies).push(performance.now() - started);
  }
  return { warmup, latencies };
}

export async function liveBench(params: { candles: number; warmup: number }): Promise<void> {
  const now = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const simulator = await ExchangeSimulator.start({
    speed: 0,
    markets: [generatedBtcMarket({ interval: '1m', origin: now - 86_400_000, seed: 'live' })],
  });
  const prefix = `${RUN}_live`;
  const subscriber = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const publisher = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    console.log(
      `\n3. Live path over ${params.candles} closed klines after ${params.warmup} warm-up ones (websocket -> row committed -> event received)`,
    );
    const referenceChannel = `${prefix}:reference`;
    await subscriber.subscribe(referenceChannel);
    const reference = await roundTrips({
      warmup: params.warmup,
      count: params.candles,
      subscriber,
      send: async (i) => {
        await publisher.publish(referenceChannel, String(i));
      },
      matches: (message, i) => message === String(i),
    });
    await subscriber.unsubscribe(referenceChannel);

    const config = configFor({
      DATABASE_URL: scratchUrl(prefix),
      REDIS_PREFIX: prefix,
      SYMBOLS: 'BTC',
      INTERVALS: '1m',
      EXCHANGE: 'binance',
      EXCHANGE_REST_URL: simulator.restUrl,
      EXCHANGE_WS_URL: simulator.wsUrl,
      BACKFILL_FROM: new Date(now - 86_400_000).toISOString(),
      LIVE_STREAM: 'true',
    });
    await subscriber.subscribe(`${prefix}:events:${CANDLE_CLOSED}`);
    const service = await withContext(
      config,
      async (app) => {
        const live = app.get(LiveCandlesService);
        await waitUntil(() => live.isOwner && simulator.openConnections === 1, {
          timeoutMs: 15_000,
          intervalMs: 50,
          failure: 'the live stream did not connect within 15 s',
        });
        const candleAt = (i: number): Candle => {
          const close = 30_000 + (i % 100);
          return {
            openTime: now + (i + 1) * MINUTE_MS,
            open: 30_000,
            high: close + 5,
            low: 29_990,
            close,
            volume: 12.5,
            quoteVolume: 375_000,
            tradeCount: 420,
            takerBuyBaseVolume: 6,
            takerBuyQuoteVolume: 180_000,
          };
        };
        return roundTrips({
          warmup: params.warmup,
          count: params.candles,
          subscriber,
          send: (i) => simulator.emit('BTCUSDT', '1m', candleAt(i), true),
          matches: (message, i) => message.includes(`"openTime":${candleAt(i).openTime}`),
        });
      },
      true,
    );
    console.log(`   bare Redis PUBLISH -> subscriber: ${describeLatencies(reference.latencies)}`);
    const warmupLine = describeWarmup(service.warmup);
    if (warmupLine) {
      console.log(warmupLine);
    }
    console.log(
      `   closed kline -> committed -> candle.closed received: ${describeLatencies(service.latencies)}`,
    );
    const p99 = percentile(
      [...service.latencies].sort((a, b) => a - b),
      99,
    );
    console.log(`   target p99 < 20 ms: ${p99 < 20 ? 'met' : 'NOT met'}`);
    await dropScratch(config);
  } finally {
    subscriber.disconnect();
    publisher.disconnect();
    await simulator.close();
  }
}
