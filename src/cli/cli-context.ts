import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { join } from 'node:path';
import { AppModule } from '../app.module';
import type { AppConfig } from '../config/app-config';
import { createRootLogger } from '../logging/root-logger';

/** The repository's root (`dist/src/cli` is three levels below it once built). */
export const REPOSITORY_ROOT = join(__dirname, '..', '..', '..');

/**
 * What every command gets: the validated config, and the application (its services, as REST,
 * GraphQL and jobs use them), opened for one piece of work and closed after it. Migration commands
 * call src/database/migrations.ts instead.
 */
export class CliContext {
  constructor(readonly config: AppConfig) {}

  /** Runs `work` with the application's services (no HTTP server, no queue processors). */
  async withApp<T>(work: (app: INestApplicationContext) => Promise<T>): Promise<T> {
    const rootLogger = createRootLogger(this.config, 'cli');
    const app = await NestFactory.createApplicationContext(
      AppModule.forRoot({
        config: this.config,
        rootLogger,
        roles: { api: false, worker: false },
      }),
      { logger: ['error', 'warn'] },
    );
    try {
      return await work(app);
    } finally {
      await app.close();
    }
  }
}
