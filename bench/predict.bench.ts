import autocannon from 'autocannon';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import pino from 'pino';
import { AppModule } from '../src/app.module';
import { AppConfig } from '../src/config/app-config';
import type { Candle } from '../src/market-data/candle';
import { PredictionCache } from '../src/models/live/prediction.cache';
import { PREDICTION_UPDATED } from '../src/models/model-events';
import { ModelsService } from '../src/models/models.service';
import { TrainingService } from '../src/models/training.service';
import { CandlesRepository } from '../src/market-data/candles.repository';
import { LiveCandlesService } from '../src/market-data/stream/live-candles.service';
import { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import {
  describeLatencies,
  describeWarmup,
  dropScratchDatabase,
  generatedBtcMarket,
  median,
  pinLoadGenerator,
  pinningLabel,
  releaseLoadGenerator,
  roundRatios,
  scratchDatabaseUrl,
  seedPrediction,
  simulatedServiceEnv,
  startServer,
  waitUntil,
} from './bench-server';

/**
 * `npm run bench:predict`, each figure next to a reference measured in the same run:
 *
 * 1. `GET /predict/BTC` through the full stack (API key, Redis rate limit, the cached prediction
 *    read from Redis, log line, metrics) against bare Fastify answering the same JSON (autocannon,
 *    alternating rounds). Targets: at least 60% of bare Fastify's requests/s, p99 under 10 ms.
 * 2. The live path: a closed kline on the simulator's websocket -> candle committed ->
 *    `candle.closed` -> production model predicts (features from the in-memory candle window) ->
 *    prediction row stored -> cached -> `prediction.updated` received by a Redis subscriber,
 *    p50 / p99 over BENCH_LIVE_CANDLES candles, after BENCH_LIVE_WARMUP candles that are timed
 *    and printed but not counted (the first ones pay for JIT compilation). The model is promoted
 *    the way the service promotes, so the worker has loaded it before the first candle. Target:
 *    p99 under 50 ms.
 *
 * Environment: BENCH_DURATION_S (5), BENCH_CONNECTIONS (20), BENCH_ROUNDS (3), BENCH_LIVE_CANDLES
 * (200), BENCH_LIVE_WARMUP (20), BENCH_ONLY (http | live), DATABASE_URL / REDIS_URL like the service.
 */
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 20);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LIVE_CANDLES = Number(process.env.BENCH_LIVE_CANDLES ?? 200);
const LIVE_WARMUP = Number(process.env.BENCH_LIVE_WARMUP ?? 20);
const HOUR_MS = 3_600_000;
const RUN = `cft_bench_${Date.now().toString(36)}`;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

async function httpBench(): Promise<void> {
  const adminKey = `bench-${randomBytes(16).toString('hex')}`;
  const database = `${RUN}_http`;
  const servers: ChildProcess[] = [];
  const serverCpu = pinLoadGenerator();
  try {
    const full = await startServer(
      'src/main.js',
      {
        NODE_ENV: 'production',
        SECRET_KEY: randomBytes(32).toString('hex'),
        HOST: '127.0.0.1',
        DATABASE_URL: scratchDatabaseUrl(database),
        REDIS_PREFIX: database,
        ADMIN_API_KEY: adminKey,
        LOG_LEVEL: 'info',
        LOG_PRETTY: 'false',
        RATE_LIMIT_MAX: '10000000',
        SYMBOLS: 'BTC',
        INTERVALS: '1h',
        LIVE_STREAM: 'false',
        FEAR_GREED_API_URL: 'off',
        MODEL_AUTO_TRAIN: 'false',
      },
      [],
      serverCpu,
    );
    servers.push(full.child);
    await seedPrediction(database);
    const served = await fetch(`http://127.0.0.1:${full.port}/predict/BTC`, {
      headers: { 'x-api-key': adminKey },
    });
    const body = await served.text();
    if (served.status !== 200) {
      throw new Error(`/predict/BTC answered ${served.status}: ${body}`);
    }
    const bare = await startServer(
      'bench/bare-fastify.js',
      { BENCH_PREDICT_BODY: body },
      [],
      serverCpu,
    );
    servers.push(bare.child);
    const contenders = [
      { label: 'bare Fastify, same JSON', port: bare.port, headers: {} as Record<string, string> },
      { label: 'full stack', port: full.port, headers: { 'x-api-key': adminKey } },
    ];
    for (const { port, headers } of contenders) {
      await autocannon({
        url: `http://127.0.0.1:${port}/predict/BTC`,
        connections: CONNECTIONS,
        duration: 2,
        headers,
      });
    }
    console.log(
      `1. GET /predict/BTC, ${CONNECTIONS} connections, ${ROUNDS} alternating rounds of ${DURATION_S} s; ` +
        pinningLabel(serverCpu),
    );
    const rates = new Map<string, number[]>();
    const p99s = new Map<string, number[]>();
    for (let round = 1; round <= ROUNDS; round++) {
      for (const { label, port, headers } of contenders) {
        const result = await autocannon({
          url: `http://127.0.0.1:${port}/predict/BTC`,
          connections: CONNECTIONS,
          duration: DURATION_S,
          headers,
        });
        const failures = result.non2xx + result.errors + result.timeouts;
        if (failures > 0) {
          throw new Error(`${label}: ${failures} responses were not 2xx`);
        }
        rates.set(label, [...(rates.get(label) ?? []), result.requests.average]);
        p99s.set(label, [...(p99s.get(label) ?? []), result.latency.p99]);
        console.log(
          `   round ${round}: ${label.padEnd(24)} ${result.requests.average.toFixed(0).padStart(7)} req/s   p50 ${result.latency.p50} ms   p99 ${result.latency.p99} ms`,
        );
      }
    }
    const bareRate = median(rates.get(contenders[0]!.label) ?? []);
    const fullRate = median(rates.get(contenders[1]!.label) ?? []);
    const fullP99 = median(p99s.get(contenders[1]!.label) ?? []);
    const ratios = roundRatios(
      rates.get(contenders[0]!.label) ?? [],
      rates.get(contenders[1]!.label) ?? [],
    );
    console.log(
      `   median: bare ${bareRate.toFixed(0)} req/s, full stack ${fullRate.toFixed(0)} req/s = ${((fullRate / bareRate) * 100).toFixed(1)}% (target >= 60%; ` +
        `round by round ${Math.min(...ratios).toFixed(1)}-${Math.max(...ratios).toFixed(1)}%); ` +
        `full stack p99 ${fullP99} ms (target < 10 ms)`,
    );
  } finally {
    releaseLoadGenerator();
    servers.forEach((child) => child.kill('SIGTERM'));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await dropScratchDatabase(database);
  }
}

async function liveBench(): Promise<void> {
  const database = `${RUN}_live`;
  const now = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
  const origin = now - 2000 * HOUR_MS;
  const sim = await ExchangeSimulator.start({
    speed: 0,
    markets: [generatedBtcMarket({ interval: '1h', origin, seed: 'predict', momentum: 0.3 })],
  });
  const config = AppConfig.fromEnv({
    ...process.env,
    ...simulatedServiceEnv({ run: database, sim, symbols: ['BTC'], backfillFrom: origin }),
    LIVE_STREAM: 'true',
  });
  const subscriber = new Redis(REDIS_URL);
  let app: INestApplicationContext | undefined;
  try {
    app = await NestFactory.createApplicationContext(
      AppModule.forRoot({
        config,
        rootLogger: pino({ level: 'warn' }),
        roles: { api: false, worker: true },
      }),
      { logger: ['error', 'warn'] },
    );
    const live = app.get(LiveCandlesService);
    await waitUntil(() => live.isOwner && sim.openConnections === 1, {
      timeoutMs: 20_000,
      intervalMs: 100,
      failure: 'the live stream did not connect',
    });
    // The start-up catch-up backfills the history; then one small model, promoted.
    const market = { exchange: 'binance', symbol: 'BTCUSDT', interval: '1h' };
    const candles = app.get(CandlesRepository);
    await waitUntil(
      async () => {
        const last = await candles.lastOpenTime(market);
        return last !== undefined && last >= now - 2 * HOUR_MS;
      },
      { timeoutMs: 60_000, intervalMs: 500, failure: 'the backfill did not finish' },
    );
    const trained = await app.get(TrainingService).train({
      symbol: 'BTC',
      interval: '1h',
      params: { units: 32, lookback: 24, epochs: 3, patience: 0 },
      jobId: `bench-${RUN}`,
    });
    // Promoted as the service promotes (a training job, or an admin through ModelsService), so the
    // worker loads the model and predicts at the newest candle before the first timed candle.
    if (trained.status !== 'production') {
      await app.get(ModelsService).promote(trained.modelVersionId);
    }
    const cache = app.get(PredictionCache);
    await waitUntil(
      async () => (await cache.read(market))?.modelVersionId === trained.modelVersionId,
      { timeoutMs: 20_000, intervalMs: 100, failure: 'the promoted model made no prediction' },
    );
    await subscriber.subscribe(`${database}:events:${PREDICTION_UPDATED}`);
    const latencies: number[] = [];
    let close = 30_000;
    // The last stored candle is the hour before the one forming now; carry on from there, without a gap.
    let openTime = sim.now() - (sim.now() % HOUR_MS) - HOUR_MS;
    const warmup: number[] = [];
    for (let i = 0; i < LIVE_WARMUP + LIVE_CANDLES; i++) {
      openTime += HOUR_MS;
      const next = close * (1 + Math.sin(i) * 0.002);
      const candle: Candle = {
        openTime,
        open: close,
        high: Math.max(close, next) * 1.001,
        low: Math.min(close, next) * 0.999,
        close: next,
        volume: 100 + (i % 7),
        quoteVolume: null,
        tradeCount: 1000,
        takerBuyBaseVolume: null,
        takerBuyQuoteVolume: null,
      };
      close = next;
      const arrived = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no prediction for candle ${i} within 5 s`)),
          5000,
        );
        const listener = (_channel: string, message: string) => {
          if ((JSON.parse(message) as { openTime: number }).openTime === openTime) {
            clearTimeout(timer);
            subscriber.off('message', listener);
            resolve();
          }
        };
        subscriber.on('message', listener);
      });
      const started = performance.now();
      await sim.emit('BTCUSDT', '1h', candle, true);
      await arrived;
      (i < LIVE_WARMUP ? warmup : latencies).push(performance.now() - started);
    }
    console.log(
      `\n2. Closed kline -> prediction stored and published (${LIVE_CANDLES} candles after ${LIVE_WARMUP} warm-up ones, LSTM(32) lookback 24 on ${trained.backend})`,
    );
    const warmupLine = describeWarmup(warmup);
    if (warmupLine) {
      console.log(warmupLine);
    }
    console.log(`   ${describeLatencies(latencies)} (target p99 < 50 ms)`);
  } finally {
    subscriber.disconnect();
    await app?.close();
    await sim.close();
    await dropScratchDatabase(database);
  }
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  if (!only || only === 'http') {
    await httpBench();
  }
  if (!only || only === 'live') {
    await liveBench();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
