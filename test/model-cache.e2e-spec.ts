import { join } from 'node:path';
import type { Candle } from '../src/market-data/candle';
import { CANDLE_CLOSED, type CandleClosedEvent } from '../src/market-data/candle-events';
import { CandlesRepository } from '../src/market-data/candles.repository';
import {
  LIVE_STATE_REPORT_MS,
  THIS_PROCESS,
  reportLiveState,
  type LiveStateSnapshot,
} from '../src/models/live/live-state.reporter';
import type { CachedPrediction } from '../src/models/live/prediction.cache';
import { ProductionModels } from '../src/models/live/production-models';
import {
  MODEL_PROMOTED,
  PREDICTION_UPDATED,
  type ModelPromotedEvent,
} from '../src/models/model-events';
import { TensorFlowProvider } from '../src/models/tensorflow.provider';
import { JobName } from '../src/queue/queue.catalogue';
import { RedisService } from '../src/redis/redis.service';
import { readCandleCsv } from '../src/simulator/candle-series';
import { api, jobInState, jobResult, type Api } from './support/api';
import { databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { sleep, waitFor } from './support/wait-for';

const fixture = (name: string) => readCandleCsv(join(__dirname, 'fixtures', 'klines', name));
const BTC = fixture('BTCUSDT-1h-2022-08-20_2022-09-30.csv');
const ETH = fixture('ETHUSDT-1h-2022-08-20_2022-09-30.csv');
/** A third market: ETH's candles at a twentieth of the price, with its own volume. */
const SOL: Candle[] = ETH.map((candle) => ({
  ...candle,
  open: candle.open / 20,
  high: candle.high / 20,
  low: candle.low / 20,
  close: candle.close / 20,
  volume: candle.volume * 20,
}));
const TINY = { layers: 1, units: 8, lookback: 8, epochs: 2, batchSize: 64, patience: 0 };
const SYMBOLS = ['BTC', 'ETH', 'SOL'] as const;

describe('model cache: at most MODEL_CACHE_MAX_MODELS loaded, the least recently used reloaded from PostgreSQL', () => {
  let t: TestApp;
  let http: Api;
  const env = {
    DATABASE_URL: databaseUrl(scratchName('model_cache')),
    REDIS_PREFIX: scratchName('model_cache'),
    SYMBOLS: SYMBOLS.join(','),
    INTERVALS: '1h',
    MODEL_INTERVALS: '1h',
    EXCHANGE: 'binance',
    MODEL_CACHE_MAX_MODELS: '2',
  };
  /** Model predictions as the worker publishes them, in order. */
  const published: CachedPrediction[] = [];
  const versionIds = new Map<string, string>();

  async function productionModel(symbol: string): Promise<string> {
    const started = await http.post('/admin/models/train', {
      body: { symbol, interval: '1h', params: TINY },
    });
    expect(started.status).toBe(202);
    const jobId = started.body.jobId;
    const job = await jobInState(http, jobId, 'completed', {
      what: `training job ${jobId} (${symbol})`,
      timeoutMs: 120_000,
      intervalMs: 200,
    });
    const result = jobResult(job, JobName.TrainModel);
    if (result.status !== 'production') {
      expect((await http.post(`/admin/models/${result.modelVersionId}/promote`)).status).toBe(200);
    }
    return result.modelVersionId;
  }

  /**
   * Has the worker predict again at the newest candle with the production model of `symbol`, as
   * after a promotion (the same message), and returns the prediction it published.
   */
  async function predictWith(symbol: string): Promise<CachedPrediction> {
    const seen = published.length;
    const event: ModelPromotedEvent = {
      exchange: 'binance',
      symbol: `${symbol}USDT`,
      interval: '1h',
      modelVersionId: versionIds.get(symbol)!,
    };
    await t.app.get(RedisService).publish(MODEL_PROMOTED, JSON.stringify(event));
    return waitFor(
      async () =>
        published
          .slice(seen)
          .find((p) => p.symbol === symbol && p.modelVersionId === versionIds.get(symbol)),
      { what: `a prediction of ${symbol}'s model`, timeoutMs: 20_000 },
    );
  }

  const stats = () => t.app.get(ProductionModels).stats();
  const numTensors = async () => (await t.app.get(TensorFlowProvider).get()).tf.memory().numTensors;
  /** What must not change when the same model predicts at the same candle again. */
  const forecastOf = (p: CachedPrediction) => ({
    openTime: p.openTime,
    lastClose: p.lastClose,
    predictedClose: p.predictedClose,
    horizons: p.horizons,
  });

  beforeAll(async () => {
    t = await startTestApp({ worker: true, env });
    http = api(t, { key: t.adminKey });
    const candles = t.app.get(CandlesRepository);
    await candles.upsert({ exchange: 'binance', symbol: 'BTCUSDT', interval: '1h' }, BTC);
    await candles.upsert({ exchange: 'binance', symbol: 'ETHUSDT', interval: '1h' }, ETH);
    await candles.upsert({ exchange: 'binance', symbol: 'SOLUSDT', interval: '1h' }, SOL);
    await t.app.get(RedisService).subscribe(PREDICTION_UPDATED, (message) => {
      const prediction = JSON.parse(message) as CachedPrediction;
      if (prediction.kind === 'model') {
        published.push(prediction);
      }
    });
    for (const symbol of SYMBOLS) {
      versionIds.set(symbol, await productionModel(symbol));
    }
  }, 400_000);
  afterAll(async () => {
    await t.close();
  });

  it('evicts the least recently used model, reloads it with identical predictions, and frees its tensors', async () => {
    // Round one: each market predicts in turn; the third load evicts the first model.
    const first = new Map<string, CachedPrediction>();
    for (const symbol of SYMBOLS) {
      first.set(symbol, await predictWith(symbol));
    }
    const afterFirst = stats();
    expect(afterFirst).toMatchObject({ maxModels: 2, loaded: 2 });
    expect(afterFirst.weightBytes).toBeGreaterThan(0);
    const tensorsWithTwo = await numTensors();

    // Round two, in the same order: every model was unloaded before its turn (BTC by SOL in
    // round one, ETH by BTC, SOL by ETH), so each is loaded again from PostgreSQL.
    for (const symbol of SYMBOLS) {
      const again = await predictWith(symbol);
      expect(forecastOf(again)).toEqual(forecastOf(first.get(symbol)!));
      expect(stats().loaded).toBe(2);
      // Two models of the same shape loaded: as many tensors as before the reload, none leaked.
      expect(await numTensors()).toBe(tensorsWithTwo);
    }
    const afterSecond = stats();
    expect(afterSecond.loads - afterFirst.loads).toBe(3);
    expect(afterSecond.evictions - afterFirst.evictions).toBe(3);
    expect(afterSecond.weightBytes).toBe(afterFirst.weightBytes);

    // A model still loaded is not loaded again.
    await predictWith('SOL');
    expect(stats().loads).toBe(afterSecond.loads);
  });

  it('shows the live state of the process in /metrics', async () => {
    const metrics = async () => {
      const response = await http.get('/metrics', { key: null });
      expect(response.status).toBe(200);
      return response.text;
    };
    /** A series of this process (the app runs in the test process). */
    const valueIn = (text: string, name: string, process = THIS_PROCESS) => {
      const series = `${name}{process="${process}"}`;
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    // No candle has closed yet: no incremental indicator state was built.
    expect(valueIn(await metrics(), 'live_indicator_windows')).toBe(0);
    // The newest candle of each market closes again (as the stream announces it): each market's
    // indicators are built from the database, and each model predicts.
    for (const [symbol, candles] of [
      ['BTC', BTC],
      ['ETH', ETH],
      ['SOL', SOL],
    ] as const) {
      const event: CandleClosedEvent = {
        exchange: 'binance',
        symbol,
        pair: `${symbol}USDT`,
        interval: '1h',
        candle: candles[candles.length - 1]!,
        eventTime: Date.now(),
        committedAt: Date.now(),
      };
      await t.app.get(RedisService).publish(CANDLE_CLOSED, JSON.stringify(event));
    }
    // Read while no load is under way, so the cache's own numbers are those of the same moment.
    const { text, cache } = await waitFor(
      async () => {
        const before = stats();
        const text = await metrics();
        const after = stats();
        return valueIn(text, 'live_indicator_windows') === 3 &&
          JSON.stringify(before) === JSON.stringify(after) &&
          valueIn(text, 'live_model_loads_total') === after.loads
          ? { text, cache: after }
          : undefined;
      },
      { what: 'the indicator windows of the three markets', timeoutMs: 20_000 },
    );
    const value = (name: string) => valueIn(text, name);
    expect(value('live_models_loaded')).toBe(2);
    expect(value('live_model_cache_max_models')).toBe(2);
    expect(value('live_model_weight_bytes')).toBe(cache.weightBytes);
    expect(value('live_model_loads_total')).toBe(cache.loads);
    expect(value('live_model_evictions_total')).toBe(cache.evictions);
    expect(value('live_model_evictions_total')).toBeGreaterThanOrEqual(3);
    // The candle windows the predictions read.
    expect(value('candle_window_cache_entries')).toBeGreaterThanOrEqual(3);
    expect(value('candle_window_cache_candles')).toBeGreaterThanOrEqual(3 * 1000);
    expect(value('live_process_resident_memory_bytes')).toBeGreaterThan(50 * 1024 * 1024);
    expect(valueIn(text, 'process_resident_memory_bytes')).toBeUndefined(); // unlabelled: below
    expect(text).toMatch(/^process_resident_memory_bytes \d+$/m);
    expect(text).toMatch(/^# TYPE live_model_evictions_total counter$/m);
  });

  it('shows the state other worker processes report, and forgets a worker that stopped reporting', async () => {
    const redis = t.app.get(RedisService);
    const snapshot = (process: string, reportedAt: number): LiveStateSnapshot => ({
      process,
      reportedAt,
      models: { maxModels: 500, loaded: 7, weightBytes: 7000, loads: 9, evictions: 2 },
      indicatorWindows: 12,
      candleWindows: { entries: 5, candles: 5000 },
      rssBytes: 123_000_000,
      shard: { markets: 40, decided: 120, members: 3 },
      hotPath: { yields: 6, yieldedMs: 2500 },
    });
    await reportLiveState(redis, t.config, snapshot('worker-host:41', Date.now()));
    await reportLiveState(
      redis,
      t.config,
      snapshot('gone-host:42', Date.now() - 3 * LIVE_STATE_REPORT_MS - 1000),
    );
    // Past the scrape's short cache (a time-to-live: the interval is the point).
    await sleep(300);
    const text = (await http.get('/metrics', { key: null })).text;
    const other = (name: string) =>
      new RegExp(`^${name}\\{process="worker-host:41"\\} (\\d+)$`, 'm').exec(text)?.[1];
    expect(other('live_models_loaded')).toBe('7');
    expect(other('live_model_weight_bytes')).toBe('7000');
    expect(other('live_model_loads_total')).toBe('9');
    expect(other('live_model_evictions_total')).toBe('2');
    expect(other('live_indicator_windows')).toBe('12');
    expect(other('candle_window_cache_candles')).toBe('5000');
    expect(other('live_process_resident_memory_bytes')).toBe('123000000');
    expect(other('live_shard_markets')).toBe('40');
    expect(other('live_shard_members')).toBe('3');
    expect(other('live_closes_decided_total')).toBe('120');
    expect(other('hot_path_yields_total')).toBe('6');
    expect(/^hot_path_yielded_seconds_total\{process="worker-host:41"\} 2\.5$/m.test(text)).toBe(
      true,
    );
    expect(text).not.toContain('gone-host:42');
    expect(await redis.client.hkeys(t.config.redisKey('metrics', 'live-state'))).not.toContain(
      'gone-host:42',
    );
  });
});
