import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { dataSourceOptions, ensureDatabaseExists, runMigrationsLocked } from './data-source';
import { generateMigration } from './migration-generator';

/**
 * The migration commands' work on the configured database, each with a data source of its own
 * (the database created when it is missing), closed after it: what `npm run migration:*` runs.
 */
async function withOwnDataSource<T>(
  config: AppConfig,
  work: (dataSource: DataSource) => Promise<T>,
): Promise<T> {
  await ensureDatabaseExists(config.get('DATABASE_URL'));
  const dataSource = await new DataSource(
    dataSourceOptions(config, 'crypto-freq-trade:cli'),
  ).initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/** Applies the pending migrations under the lock the services take at start; their names. */
export function applyMigrations(config: AppConfig): Promise<string[]> {
  return withOwnDataSource(config, runMigrationsLocked);
}

/** Reverts the last applied migration. */
export function revertLastMigration(config: AppConfig): Promise<void> {
  return withOwnDataSource(config, (dataSource) =>
    dataSource.undoLastMigration({ transaction: 'each' }),
  );
}

/**
 * Migrates, then writes a migration for what the entities have and the database lacks into
 * `directory`; its path, or undefined when they agree.
 */
export function generatePendingMigration(
  config: AppConfig,
  params: { name: string; directory: string },
): Promise<string | undefined> {
  return withOwnDataSource(config, async (dataSource) => {
    await runMigrationsLocked(dataSource);
    return generateMigration({ dataSource, ...params });
  });
}
