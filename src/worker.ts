import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoNestLogger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { exitOnSignals } from './common/shutdown';
import { loadConfigOrExit } from './config/load-config';
import { createRootLogger, flushLogs } from './logging/root-logger';

/** Queue processors (and, with market data, the live exchange stream). Run as many as needed. */
async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit();
  const rootLogger = createRootLogger(config, 'worker');
  try {
    const app = await NestFactory.createApplicationContext(
      AppModule.forRoot({ config, rootLogger, roles: { api: false, worker: true } }),
      { bufferLogs: true, abortOnError: false },
    );
    app.useLogger(app.get(PinoNestLogger));
    app.flushLogs();
    exitOnSignals(app, rootLogger, {
      timeoutMs: config.get('SHUTDOWN_TIMEOUT_MS'),
      drainMs: 0,
    });
    await app.init();
  } catch (error) {
    rootLogger.fatal({ err: error }, `Worker start-up failed: ${(error as Error).message}`);
    flushLogs();
    process.exit(1);
  }
}

void bootstrap();
