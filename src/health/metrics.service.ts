import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { AppConfig } from '../config/app-config';
import {
  localLiveState,
  reportedLiveStates,
  type LiveStateSnapshot,
} from '../models/live/live-state.reporter';
import { QueueService } from '../queue/queue.service';
import { RedisService } from '../redis/redis.service';

const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'failed',
  'completed',
  'prioritized',
] as const;

/**
 * Prometheus metrics of this process: HTTP latency by route and status, load shedding, queue
 * depths, the runtime's (RSS: `process_resident_memory_bytes`), and the live state of this and
 * every worker process (loaded models and their weights, model cache loads and evictions,
 * indicator windows, cached candle windows, RSS), labelled by process.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly httpDurationChildren = new Map<string, { observe(value: number): void }>();
  private readonly httpErrors: Counter<'route' | 'status_code'>;
  private readonly shedRequests: Counter;
  private readonly eventLoopDelay: Gauge;
  private liveStatesRead?: { at: number; states: Promise<LiveStateSnapshot[]> };

  constructor(
    queues: QueueService,
    private readonly moduleRef: ModuleRef,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {
    collectDefaultMetrics({ register: this.registry });
    this.shedRequests = new Counter({
      name: 'http_requests_shed_total',
      help: 'Requests answered 503 OVERLOADED because the event loop was too late (OVERLOAD_EVENT_LOOP_DELAY_MS)',
      registers: [this.registry],
    });
    this.eventLoopDelay = new Gauge({
      name: 'overload_event_loop_delay_seconds',
      help: 'Mean event-loop delay over the last half second, as load shedding sees it',
      registers: [this.registry],
    });
    this.registerLiveState();
    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by method, route and status code',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.httpErrors = new Counter({
      name: 'http_server_errors_total',
      help: 'HTTP responses with a 5xx status, by route',
      labelNames: ['route', 'status_code'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'queue_jobs',
      help: 'Jobs per queue and state, read from Redis at scrape time',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      async collect() {
        const counts = await Promise.all(
          queues.all().map(async (queue) => ({
            queue: queue.name,
            counts: await queue.getJobCounts(...QUEUE_STATES),
          })),
        );
        this.reset();
        for (const { queue, counts: byState } of counts) {
          for (const state of QUEUE_STATES) {
            this.set({ queue, state }, byState[state] ?? 0);
          }
        }
      },
    });
  }

  observeHttp(params: {
    method: string;
    route: string;
    statusCode: number;
    seconds: number;
  }): void {
    // One labelled child per method, route and status, reused: prom-client would otherwise hash
    // the label set on every observation.
    const key = `${params.method} ${params.route} ${params.statusCode}`;
    let child = this.httpDurationChildren.get(key);
    if (!child) {
      child = this.httpDuration.labels(params.method, params.route, String(params.statusCode));
      this.httpDurationChildren.set(key, child);
    }
    child.observe(params.seconds);
    const statusCode = String(params.statusCode);
    if (params.statusCode >= 500) {
      this.httpErrors.inc({ route: params.route, status_code: statusCode });
    }
  }

  observeEventLoopDelay(delayMs: number): void {
    this.eventLoopDelay.set(delayMs / 1000);
  }

  countShedRequest(): void {
    this.shedRequests.inc();
  }

  /** This process's live state and the latest report of every other worker, read once per scrape. */
  private liveStates(): Promise<LiveStateSnapshot[]> {
    const now = Date.now();
    if (!this.liveStatesRead || now - this.liveStatesRead.at > 250) {
      const local = localLiveState(this.moduleRef);
      this.liveStatesRead = {
        at: now,
        states: reportedLiveStates(this.redis, this.config)
          .catch(() => [])
          .then((reported) => [local, ...reported]),
      };
    }
    return this.liveStatesRead.states;
  }

  /**
   * Per process (`process="host:pid"`): this one's, read at scrape time, and every worker's last
   * report (worker processes serve no HTTP; they report to Redis every 10 s).
   */
  private registerLiveState(): void {
    const registers = [this.registry];
    const liveStates = () => this.liveStates();
    const gauge = (name: string, help: string, read: (state: LiveStateSnapshot) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['process'],
        registers,
        async collect() {
          const states = await liveStates();
          this.reset();
          for (const state of states) {
            this.set({ process: state.process }, read(state));
          }
        },
      });
    const counter = (name: string, help: string, read: (state: LiveStateSnapshot) => number) =>
      new Counter({
        name,
        help,
        labelNames: ['process'],
        registers,
        async collect() {
          // The counts are kept by each process's model cache; the counter shows them.
          const states = await liveStates();
          this.reset();
          for (const state of states) {
            this.inc({ process: state.process }, read(state));
          }
        },
      });
    gauge('live_models_loaded', 'Production models loaded', (s) => s.models.loaded);
    gauge(
      'live_model_cache_max_models',
      'Most production models a process keeps loaded (MODEL_CACHE_MAX_MODELS)',
      (s) => s.models.maxModels,
    );
    gauge(
      'live_model_weight_bytes',
      'Approximate bytes of the weights of the loaded production models (float32, as stored)',
      (s) => s.models.weightBytes,
    );
    counter(
      'live_model_loads_total',
      'Production models loaded from PostgreSQL since start (first loads and reloads after an eviction)',
      (s) => s.models.loads,
    );
    counter(
      'live_model_evictions_total',
      'Production models unloaded (tensors disposed) to stay within MODEL_CACHE_MAX_MODELS',
      (s) => s.models.evictions,
    );
    gauge(
      'live_indicator_windows',
      'Markets whose incremental indicator state a process holds',
      (s) => s.indicatorWindows,
    );
    gauge(
      'candle_window_cache_entries',
      'Markets whose newest candles a process holds in memory',
      (s) => s.candleWindows.entries,
    );
    gauge(
      'candle_window_cache_candles',
      'Candles a process holds in memory in its candle window cache',
      (s) => s.candleWindows.candles,
    );
    gauge(
      'live_shard_markets',
      'Markets whose live path (indicators, forecasts, signals) a worker process runs',
      (s) => s.shard.markets,
    );
    gauge(
      'live_shard_members',
      'Worker processes sharing the live path, as each one sees it',
      (s) => s.shard.members,
    );
    counter(
      'live_closes_decided_total',
      'Closed candles a worker process decided on the live path',
      (s) => s.shard.decided,
    );
    counter(
      'hot_path_yields_total',
      'Times a background job (training batch, backfill, backtest) waited for the live path',
      (s) => s.hotPath.yields,
    );
    counter(
      'hot_path_yielded_seconds_total',
      'Seconds background jobs waited for the live path',
      (s) => s.hotPath.yieldedMs / 1000,
    );
    gauge(
      'live_process_resident_memory_bytes',
      'Resident memory (RSS) of each process, workers included (this one also as process_resident_memory_bytes)',
      (s) => s.rssBytes,
    );
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
