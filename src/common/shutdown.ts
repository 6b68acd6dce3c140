import type { INestApplicationContext } from '@nestjs/common';
import { flushLogs } from '../logging/root-logger';
import { LifecycleService } from './lifecycle.service';
import type { Logger } from 'pino';

/**
 * On SIGTERM or SIGINT: drain for `drainMs` (readiness 503, keep-alive connections closed after
 * their response, requests that already arrived still served), then stop accepting, let in-flight
 * requests and running jobs finish (for up to `timeoutMs` after the drain), close connections,
 * exit 0. A second signal, or the deadline passing, forces exit 1.
 */
export function exitOnSignals(
  app: INestApplicationContext,
  logger: Logger,
  params: { timeoutMs: number; drainMs: number },
): void {
  const { timeoutMs, drainMs } = params;
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn(`Received ${signal} again; exiting now`);
      process.exit(1);
    }
    closing = true;
    logger.info(`Received ${signal}; shutting down gracefully`);
    // The drain comes first; then in-flight work gets its full timeout (and a margin to close).
    const timer = setTimeout(
      () => {
        logger.error(
          `Shutdown took longer than ${drainMs} ms of drain and ${timeoutMs} ms; exiting`,
        );
        flushLogs();
        process.exit(1);
      },
      drainMs + timeoutMs + 5_000,
    );
    timer.unref();
    app.get(LifecycleService).draining = true;
    new Promise((resolve) => setTimeout(resolve, drainMs))
      .then(() => app.close())
      .then(() => {
        logger.info('Shut down cleanly');
        flushLogs();
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'Shutdown failed');
        flushLogs();
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
