import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { QueueService } from '../queue/queue.service';

const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'failed',
  'completed',
  'prioritized',
] as const;

/** Prometheus metrics of this process: HTTP latency by route and status, queue depths, runtime. */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  private readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  private readonly httpDurationChildren = new Map<string, { observe(value: number): void }>();
  private readonly httpErrors: Counter<'route' | 'status_code'>;

  constructor(queues: QueueService) {
    collectDefaultMetrics({ register: this.registry });
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

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
