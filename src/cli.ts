import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Presets, SingleBar } from 'cli-progress';
import { Command, InvalidArgumentError } from 'commander';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { DataSource } from 'typeorm';
import { stringify } from 'yaml';
import { AppModule } from './app.module';
import { API_KEY_ROLES, type ApiKeyRole } from './auth/api-key.entity';
import { ApiKeysService } from './auth/api-keys.service';
import type { AppConfig } from './config/app-config';
import { loadConfigOrExit } from './config/load-config';
import { dataSourceOptions, ensureDatabaseExists, runMigrationsLocked } from './database/data-source';
import { generateMigration } from './database/migration-generator';
import { buildOpenApiDocument, createHttpApp } from './http-app';
import { createRootLogger } from './logging/root-logger';
import { KlinesImportService } from './market-data/import/klines-import.service';

const REPOSITORY_ROOT = join(__dirname, '..', '..');

async function withDataSource<T>(config: AppConfig, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  await ensureDatabaseExists(config.get('DATABASE_URL'));
  const dataSource = await new DataSource(dataSourceOptions(config, 'crypto-freq-trade:cli')).initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

async function withApp<T>(config: AppConfig, work: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  const rootLogger = createRootLogger(config, 'cli');
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({ config, rootLogger, roles: { api: false, worker: false } }),
    { logger: ['error', 'warn'] },
  );
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

function withApiKeys<T>(config: AppConfig, work: (apiKeys: ApiKeysService) => Promise<T>): Promise<T> {
  return withApp(config, (app) => work(app.get(ApiKeysService)));
}

/** Writes openapi.yaml and schema.gql from the code (the committed copies are checked by a test). */
export async function renderContracts(config: AppConfig): Promise<{ openapi: string; schema: string }> {
  const rootLogger = createRootLogger(config, 'cli');
  rootLogger.level = 'warn';
  const app = await createHttpApp({ config, rootLogger, roles: { api: true, worker: false } });
  try {
    const openapi = stringify(buildOpenApiDocument(app), { sortMapEntries: false, lineWidth: 0 });
    const schema = printSchema(lexicographicSortSchema(app.get(GraphQLSchemaHost).schema));
    return { openapi, schema };
  } finally {
    await app.close();
  }
}

function parseRole(value: string): ApiKeyRole {
  if (!(API_KEY_ROLES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`must be one of ${API_KEY_ROLES.join(', ')}`);
  }
  return value as ApiKeyRole;
}

async function main(argv: string[]): Promise<void> {
  const config = loadConfigOrExit();
  const program = new Command('cli').description('crypto-freq-trade admin commands').showHelpAfterError();

  const apiKey = program.command('api-key').description('Manage API keys');
  apiKey
    .command('create')
    .description('Create a key; the secret is printed once')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--role <role>', `one of ${API_KEY_ROLES.join(', ')}`, parseRole)
    .action(async (options: { name: string; role: ApiKeyRole }) => {
      const created = await withApiKeys(config, (keys) => keys.create(options));
      process.stdout.write(
        `Created ${created.apiKey.role} key "${created.apiKey.name}" (id ${created.apiKey.id}).\n` +
          `Key (shown once, store it now): ${created.key}\n`,
      );
    });
  apiKey
    .command('list')
    .description('List keys (never their secrets)')
    .action(async () => {
      const keys = await withApiKeys(config, (service) => service.list());
      const rows = keys.map((key) => ({
        id: key.id,
        name: key.name,
        role: key.role,
        prefix: `${key.prefix}…`,
        created: key.createdAt.toISOString(),
        lastUsed: key.lastUsedAt?.toISOString() ?? '-',
        revoked: key.revokedAt?.toISOString() ?? '-',
      }));
      if (rows.length) {
        console.table(rows);
      } else {
        process.stdout.write('No API keys yet. Create one with: npm run cli -- api-key create --name NAME --role admin\n');
      }
    });
  apiKey
    .command('revoke <id>')
    .description('Revoke a key; every replica stops accepting it within a second')
    .action(async (id: string) => {
      const key = await withApiKeys(config, (service) => service.revoke(id));
      process.stdout.write(`Revoked key "${key.name}" (${key.prefix}…) at ${key.revokedAt?.toISOString()}\n`);
    });

  program
    .command('import-klines <paths...>')
    .description('Import kline files: Binance dumps (data.binance.vision, .csv or .zip) or CSVs with an open_time_ms header')
    .requiredOption('--symbol <symbol>', 'base asset (BTC), or the pair (BTCUSDT, BTC-USDT)')
    .requiredOption('--interval <interval>', 'candle interval of the files (1m, 1h, ...)')
    .action(async (paths: string[], options: { symbol: string; interval: string }) => {
      const bar = process.stderr.isTTY
        ? new SingleBar({ format: 'files {value}/{total} |{bar}| {rows} rows read', hideCursor: true }, Presets.shades_classic)
        : undefined;
      bar?.start(paths.length, 0, { rows: 0 });
      const summary = await withApp(config, (app) =>
        app.get(KlinesImportService).import({
          symbol: options.symbol,
          interval: options.interval,
          paths,
          onProgress: ({ filesDone, rowsRead }) => bar?.update(filesDone, { rows: rowsRead }),
        }),
      ).finally(() => bar?.stop());
      const { market } = summary;
      process.stdout.write(
        `${market.exchange} ${market.symbol} ${market.interval}: ${summary.rowsRead} rows read from ${summary.files} file(s)\n` +
          `  inserted ${summary.inserted}, updated ${summary.updated}, already present ${summary.alreadyPresent}, rejected ${summary.rejected}\n` +
          Object.entries(summary.rejectedByReason)
            .map(([reason, { count, examples }]) => `  rejected ${count}: ${reason} (e.g. ${examples.join(', ')})\n`)
            .join(''),
      );
    });

  program
    .command('migration:run')
    .description('Apply pending migrations')
    .action(async () => {
      const applied = await withDataSource(config, runMigrationsLocked);
      process.stdout.write(applied.length ? `Applied: ${applied.join(', ')}\n` : 'No pending migrations\n');
    });
  program
    .command('migration:revert')
    .description('Revert the last applied migration')
    .action(async () => {
      await withDataSource(config, (dataSource) => dataSource.undoLastMigration({ transaction: 'each' }));
      process.stdout.write('Reverted the last migration\n');
    });
  program
    .command('migration:generate <name>')
    .description('Write a migration for the difference between the entities and the migrated database')
    .action(async (name: string) => {
      const path = await withDataSource(config, async (dataSource) => {
        await runMigrationsLocked(dataSource);
        return generateMigration({ dataSource, name, directory: join(REPOSITORY_ROOT, 'migrations') });
      });
      process.stdout.write(path ? `Wrote ${path}\n` : 'Entities and migrations agree: nothing to generate\n');
    });
  program
    .command('openapi')
    .description('Write openapi.yaml and the GraphQL schema from the code')
    .option('--out <path>', 'OpenAPI file', 'openapi.yaml')
    .option('--schema <path>', 'GraphQL schema file', 'schema.gql')
    .action(async (options: { out: string; schema: string }) => {
      const { openapi, schema } = await renderContracts(config);
      await writeFile(options.out, openapi);
      await writeFile(options.schema, schema);
      process.stdout.write(`Wrote ${options.out} and ${options.schema}\n`);
    });

  await program.parseAsync(argv);
}

if (require.main === module) {
  main(process.argv).then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
