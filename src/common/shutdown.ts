import type { INestApplicationContext } from '@nestjs/common';
import type { Logger } from 'pino';

/**
 * On SIGTERM or SIGINT: stop accepting, let in-flight requests and running jobs finish, close
 * connections, exit 0. A second signal, or SHUTDOWN_TIMEOUT_MS passing, forces exit 1.
 */
export function exitOnSignals(app: INestApplicationContext, logger: Logger, timeoutMs: number): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn(`Received ${signal} again; exiting now`);
      process.exit(1);
    }
    closing = true;
    logger.info(`Received ${signal}; shutting down gracefully`);
    const timer = setTimeout(() => {
      logger.error(`Shutdown took longer than ${timeoutMs} ms; exiting`);
      process.exit(1);
    }, timeoutMs + 5_000);
    timer.unref();
    app
      .close()
      .then(() => {
        logger.info('Shut down cleanly');
        logger.flush();
        process.exit(0);
      })
      .catch((error: unknown) => {
        logger.error({ err: error }, 'Shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
