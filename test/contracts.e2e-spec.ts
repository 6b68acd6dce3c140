import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { parse } from 'yaml';
import { renderContracts } from '../src/cli/render-contracts';
import { AppConfig } from '../src/config/app-config';
import { CONFIG_KEYS, configSchema } from '../src/config/config.schema';
import {
  dataSourceOptions,
  ensureDatabaseExists,
  pendingSchemaChanges,
  runMigrationsLocked,
} from '../src/database/data-source';
import { databaseUrl, scratchName, testEnv } from './support/test-env';

const ROOT = join(__dirname, '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

describe('contracts', () => {
  it('openapi.yaml and schema.gql are what the code generates (run `npm run openapi`)', async () => {
    const { openapi, schema } = await renderContracts(AppConfig.fromEnv(testEnv()));
    expect(read('openapi.yaml')).toBe(openapi);
    expect(read('schema.gql')).toBe(schema);
    const document = parse(openapi) as { paths: Record<string, unknown> };
    for (const path of [
      '/me',
      '/admin/api-keys',
      '/admin/api-keys/{id}',
      '/jobs/{id}',
      '/health',
      '/health/ready',
      '/metrics',
    ]) {
      expect(document.paths[path]).toBeDefined();
    }
  });
});

describe('migrations', () => {
  it('bring an empty database to the entities exactly, and every down() undoes its up()', async () => {
    const url = databaseUrl(scratchName('migrations'));
    const config = AppConfig.fromEnv(testEnv({ DATABASE_URL: url }));
    expect(await ensureDatabaseExists(url)).toBe(true);
    const dataSource = await new DataSource(
      dataSourceOptions(config, 'migration-check'),
    ).initialize();
    try {
      const applied = await runMigrationsLocked(dataSource);
      expect(applied.length).toBe(dataSource.migrations.length);
      expect(applied.length).toBeGreaterThan(0);
      // Generating again on the migrated database must produce nothing: entities and migrations agree.
      expect(await pendingSchemaChanges(dataSource)).toEqual({ up: [], down: [] });

      for (let i = 0; i < applied.length; i++) {
        await dataSource.undoLastMigration({ transaction: 'each' });
      }
      const tables: { table_name: string }[] = await dataSource.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
      );
      expect(tables.map((t) => t.table_name)).toEqual(['migrations']);
      const types: unknown[] = await dataSource.query(
        `SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'`,
      );
      expect(types).toEqual([]);
      expect(await runMigrationsLocked(dataSource)).toEqual(applied);
      expect((await pendingSchemaChanges(dataSource)).up).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('keeps synchronize off', () => {
    const options = dataSourceOptions(AppConfig.fromEnv(testEnv()), 'check');
    expect(options.synchronize).toBe(false);
    expect(options.migrationsRun).toBe(false);
  });
});

describe('documentation and deployment files', () => {
  it('the README configuration table lists every variable, with its default', () => {
    const readme = read('README.md');
    const rows = new Map(
      [...readme.matchAll(/^\| `([A-Z_]+)` \| ([^|]*) \|/gm)].map(
        (m) => [m[1], (m[2] ?? '').trim()] as const,
      ),
    );
    expect([...rows.keys()].sort()).toEqual([...CONFIG_KEYS].sort());
    const defaults = configSchema.parse({});
    for (const key of CONFIG_KEYS) {
      const value = defaults[key];
      if (value !== undefined) {
        expect(`${key} ${rows.get(key)}`).toBe(`${key} \`${String(value)}\``);
      }
    }
  });

  it('.env.example names every variable and nothing else', () => {
    const keys = [...read('.env.example').matchAll(/^#?\s*([A-Z_]+)=/gm)].map((m) => m[1]);
    expect([...new Set(keys)].sort()).toEqual([...CONFIG_KEYS].sort());
  });

  it('docker-compose.yml runs PostgreSQL 16, Redis 7, and api and worker from one image with known variables', () => {
    const compose = parse(read('docker-compose.yml'), { merge: true }) as {
      services: Record<
        string,
        {
          image?: string;
          build?: unknown;
          command?: unknown;
          environment?: Record<string, string>;
          ports?: string[];
          depends_on?: unknown;
        }
      >;
    };
    const service = (name: string) => {
      const found = compose.services[name];
      if (!found) {
        throw new Error(`docker-compose.yml has no ${name} service`);
      }
      return found;
    };
    const postgres = service('postgres');
    const redis = service('redis');
    const api = service('api');
    const worker = service('worker');
    expect(postgres.image).toMatch(/^postgres:16/);
    expect(redis.image).toMatch(/^redis:7/);
    expect(api.image).toBe(worker.image);
    expect(api.build).toBeDefined();
    for (const service of [api, worker]) {
      for (const key of Object.keys(service.environment ?? {})) {
        expect(CONFIG_KEYS).toContain(key);
      }
      expect(service.environment?.DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(service.environment?.REDIS_URL).toBe('redis://redis:6379');
      expect(service.depends_on).toBeDefined();
    }
    expect(api.ports).toEqual(['3000:3000']);
    expect(JSON.stringify(api.command)).toContain('dist/src/main.js');
    expect(JSON.stringify(worker.command)).toContain('dist/src/worker.js');
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/npm run build/);
  });
});
