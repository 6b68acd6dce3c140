import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import type { AppConfig } from '../config/app-config';
import { dataSourceOptions, ensureDatabaseExists } from '../database/data-source';
import { createRootLogger } from '../logging/root-logger';

/** The repository's root (`dist/src/cli` is three levels below it once built). */
export const REPOSITORY_ROOT = join(__dirname, '..', '..', '..');

/**
 * What every command gets: the validated config, and the application (its services, as REST,
 * GraphQL and jobs use them) or a bare data source (migrations), opened for one piece of work and
 * closed after it.
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

  /** Runs `work` with a data source of its own (creating the database when it is missing). */
  async withDataSource<T>(work: (dataSource: DataSource) => Promise<T>): Promise<T> {
    await ensureDatabaseExists(this.config.get('DATABASE_URL'));
    const dataSource = await new DataSource(
      dataSourceOptions(this.config, 'crypto-freq-trade:cli'),
    ).initialize();
    try {
      return await work(dataSource);
    } finally {
      await dataSource.destroy();
    }
  }
}
