import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import { dataSourceOptions, ensureDatabaseExists, runMigrationsLocked } from './data-source';

/**
 * PostgreSQL through TypeORM. On start it creates the database if it is missing and, unless
 * MIGRATIONS_RUN=false, applies pending migrations under an advisory lock.
 */
@Module({})
export class DatabaseModule {
  private static readonly logger = new Logger(DatabaseModule.name);

  static forRoot(config: AppConfig, applicationName: string): DynamicModule {
    const logger = DatabaseModule.logger;
    return {
      module: DatabaseModule,
      imports: [
        TypeOrmModule.forRootAsync({
          useFactory: () => dataSourceOptions(config, applicationName),
          dataSourceFactory: async () => {
            const options = dataSourceOptions(config, applicationName);
            const url = config.get('DATABASE_URL');
            if (await ensureDatabaseExists(url)) {
              logger.log(`Created database ${new URL(url).pathname.slice(1)}`);
            }
            const dataSource = await new DataSource(options).initialize();
            if (config.get('MIGRATIONS_RUN')) {
              const applied = await runMigrationsLocked(dataSource);
              if (applied.length) {
                logger.log(`Applied ${applied.length} migration(s): ${applied.join(', ')}`);
              }
            }
            return dataSource;
          },
        }),
      ],
    };
  }
}
