import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { AppConfig } from '../config/app-config';
import type { MetricsService } from '../health/metrics.service';
import { AppException } from './app.exception';
import { isExemptFromLimits } from './exempt-paths';

export class OverloadException extends AppException {}

/** How often the event-loop delay is read; shedding starts and stops at most this late. */
const OVERLOAD_SAMPLE_MS = 500;
/** The histogram's timer period: Node records the delay of each tick of it. */
const RESOLUTION_MS = 10;
const RETRY_AFTER_SECONDS = Math.max(1, Math.ceil(OVERLOAD_SAMPLE_MS / 1000));

/** Probes, metrics and the dashboard's static files (`src/web/`) are served whatever the load. */
/**
 * The mean delay of the event loop over the last sample period, from Node's own histogram
 * (`perf_hooks.monitorEventLoopDelay`): a timer every 10 ms whose lateness is recorded in C++,
 * so measuring costs the loop nothing per request.
 */
class EventLoopDelaySampler {
  private readonly histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  private readonly timer: NodeJS.Timeout;
  /** The last sample's mean delay beyond the timer's period, in ms. */
  delayMs = 0;

  constructor(onSample: (delayMs: number) => void) {
    this.histogram.enable();
    this.timer = setInterval(() => {
      // The mean, not the maximum: one long task is a latency spike, a loop late on every turn
      // is overload (what `@fastify/under-pressure` measures too).
      this.delayMs =
        this.histogram.count > 0 ? Math.max(0, this.histogram.mean / 1e6 - RESOLUTION_MS) : 0;
      this.histogram.reset();
      onSample(this.delayMs);
    }, OVERLOAD_SAMPLE_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.histogram.disable();
  }
}

/**
 * Load shedding: while the api's mean event-loop delay over the last half second is above
 * `OVERLOAD_EVENT_LOOP_DELAY_MS`, every request but health, metrics and the dashboard's files is
 * answered 503 `OVERLOADED` with `Retry-After` before any work is done for it (no key lookup, no
 * rate-limit count), so the requests already accepted finish and probes still answer.
 *
 * Node's `monitorEventLoopDelay` read by a plain callback hook rather than `@fastify/under-pressure`
 * (which samples the same histogram): the exemptions and the error shape are the service's own,
 * as in `rate-limit.ts`, and no dependency is added. Registered first among the request hooks.
 */
export function registerOverloadShedding(
  fastify: FastifyInstance,
  params: { config: AppConfig; metrics: MetricsService },
): void {
  const { metrics } = params;
  const maxEventLoopDelayMs = params.config.get('OVERLOAD_EVENT_LOOP_DELAY_MS');
  if (maxEventLoopDelayMs <= 0) {
    return;
  }
  let overloaded = false;
  const sampler = new EventLoopDelaySampler((delayMs) => {
    overloaded = delayMs > maxEventLoopDelayMs;
    metrics.observeEventLoopDelay(delayMs);
  });
  fastify.addHook('onClose', (_instance, done) => {
    sampler.stop();
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!overloaded || isExemptFromLimits(request.url)) {
      return done();
    }
    metrics.countShedRequest();
    void reply.header('retry-after', RETRY_AFTER_SECONDS);
    done(
      new OverloadException(
        'OVERLOADED',
        `The server is overloaded: its event loop ran ${Math.round(sampler.delayMs)} ms late on average over the last ${OVERLOAD_SAMPLE_MS} ms, over the ${maxEventLoopDelayMs} ms limit (OVERLOAD_EVENT_LOOP_DELAY_MS); retry in ${RETRY_AFTER_SECONDS} s`,
      ),
    );
  });
}
