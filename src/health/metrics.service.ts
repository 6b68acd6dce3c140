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

/** The live state metrics, labelled by process, in the order `/metrics` lists them. */
const LIVE_STATE_METRICS: {
  type: 'gauge' | 'counter';
  name: string;
  help: string;
  read: (state: LiveStateSnapshot) => number;
}[] = [
  {
    type: 'gauge',
    name: 'live_models_loaded',
    help: 'Production models loaded',
    read: (s) => s.models.loaded,
  },
  {
    type: 'gauge',
    name: 'live_model_cache_max_models',
    help: 'Most production models a process keeps loaded (MODEL_CACHE_MAX_MODELS)',
    read: (s) => s.models.maxModels,
  },
  {
    type: 'gauge',
    name: 'live_model_weight_bytes',
    help: 'Approximate bytes of the weights of the loaded production models (float32, as stored)',
    read: (s) => s.models.weightBytes,
  },
  {
    type: 'counter',
    name: 'live_model_loads_total',
    help: 'Production models loaded from PostgreSQL since start (first loads and reloads after an eviction)',
    read: (s) => s.models.loads,
  },
  {
    type: 'counter',
    name: 'live_model_evictions_total',
    help: 'Production models unloaded (tensors disposed) to stay within MODEL_CACHE_MAX_MODELS',
    read: (s) => s.models.evictions,
  },
  {
    type: 'gauge',
    name: 'live_indicator_windows',
    help: 'Markets whose incremental indicator state a process holds',
    read: (s) => s.indicatorWindows,
  },
  {
    type: 'gauge',
    name: 'candle_window_cache_entries',
    help: 'Markets whose newest candles a process holds in memory',
    read: (s) => s.candleWindows.entries,
  },
  {
    type: 'gauge',
    name: 'candle_window_cache_candles',
    help: 'Candles a process holds in memory in its candle window cache',
    read: (s) => s.candleWindows.candles,
  },
  {
    type: 'gauge',
    name: 'live_shard_markets',
    help: 'Markets whose live path (indicators, forecasts, signals) a worker process runs',
    read: (s) => s.shard.markets,
  },
  {
    type: 'gauge',
    name: 'live_shard_members',
    help: 'Worker processes sharing the live path, as each one sees it',
    read: (s) => s.shard.members,
  },
  {
    type: 'counter',
    name: 'live_closes_decided_total',
    help: 'Closed candles a worker process decided on the live path',
    read: (s) => s.shard.decided,
  },
  {
    type: 'counter',
    name: 'hot_path_yields_total',
    help: 'Times a background job (training batch, backfill, backtest) waited for the live path',
    read: (s) => s.hotPath.yields,
  },
  {
    type: 'counter',
    name: 'hot_path_yielded_seconds_total',
    help: 'Seconds background jobs waited for the live path',
    read: (s) => s.hotPath.yieldedMs / 1000,
  },
  {
    type: 'gauge',
    name: 'live_process_resident_memory_bytes',
    help: 'Resident memory (RSS) of each process, workers included (this one also as process_resident_memory_bytes)',
    read: (s) => s.rssBytes,
  },
];

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
    // Counters too are reset and refilled: the counts are kept by each process's model cache
    // and hot path, the counter only shows them.
    const collect = async (
      metric: { reset(): void },
      record: (process: string, value: number) => void,
      read: (state: LiveStateSnapshot) => number,
    ) => {
      const states = await liveStates();
      metric.reset();
      for (const state of states) {
        record(state.process, read(state));
      }
    };
    for (const { type, name, help, read } of LIVE_STATE_METRICS) {
      const options = { name, help, labelNames: ['process'] as const, registers };
      if (type === 'gauge') {
        new Gauge({
          ...options,
          collect() {
            return collect(this, (process, value) => this.set({ process }, value), read);
          },
        });
      } else {
        new Counter({
          ...options,
          collect() {
            return collect(this, (process, value) => this.inc({ process }, value), read);
          },
        });
      }
    }
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
