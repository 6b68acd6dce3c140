import 'reflect-metadata';
import { exitOnSignals } from './common/shutdown';
import { disableAllocationSitePretenuring } from './common/v8-flags';
import { loadConfigOrExit } from './config/load-config';
import { createHttpApp } from './http-app';
import { createRootLogger, flushLogs } from './logging/root-logger';

/**
 * The HTTP API (REST, GraphQL, docs, health). With `--with-worker` the same process also runs the
 * queue processors: `npm start` on one machine.
 */
export async function bootstrap(options: { withWorker: boolean }): Promise<void> {
  disableAllocationSitePretenuring();
  const config = loadConfigOrExit();
  const { withWorker } = options;
  const rootLogger = createRootLogger(config, withWorker ? 'api+worker' : 'api');
  try {
    const app = await createHttpApp({
      config,
      rootLogger,
      roles: { api: true, worker: withWorker },
    });
    exitOnSignals(app, rootLogger, {
      timeoutMs: config.get('SHUTDOWN_TIMEOUT_MS'),
      drainMs: config.get('SHUTDOWN_DRAIN_MS'),
    });
    await app.listen({ port: config.get('PORT'), host: config.get('HOST') });
    rootLogger.info(
      `API listening on http://${config.get('HOST')}:${config.get('PORT')} (docs at /docs)`,
    );
  } catch (error) {
    rootLogger.fatal({ err: error }, `Start-up failed: ${(error as Error).message}`);
    flushLogs();
    process.exit(1);
  }
}

if (require.main === module) {
  void bootstrap({ withWorker: process.argv.includes('--with-worker') });
}
