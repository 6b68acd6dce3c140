import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { Client } from 'pg';
import pino from 'pino';
import { AppModule } from '../../src/app.module';
import { AppConfig } from '../../src/config/app-config';

/** Names this run's scratch databases and Redis key prefix. */
export const RUN = `cft_bench_${Date.now().toString(36)}`;

export function configFor(overrides: Record<string, string> = {}): AppConfig {
  const base = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  base.pathname = `/${RUN}`;
  return AppConfig.fromEnv({
    ...process.env,
    DATABASE_URL: base.toString(),
    REDIS_PREFIX: RUN,
    LOG_LEVEL: 'warn',
    LIVE_STREAM: 'false',
    ...overrides,
  });
}

export async function withContext<T>(
  config: AppConfig,
  work: (app: INestApplicationContext) => Promise<T>,
  worker = false,
): Promise<T> {
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({
      config,
      rootLogger: pino({ level: 'warn' }),
      roles: { api: false, worker },
    }),
    { logger: ['error', 'warn'] },
  );
  try {
    return await work(app);
  } finally {
    await app.close();
  }
}

export function scratchUrl(name: string): string {
  const url = new URL(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropScratch(config: AppConfig): Promise<void> {
  const admin = new URL(config.get('DATABASE_URL'));
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(
    `DROP DATABASE IF EXISTS "${new URL(config.get('DATABASE_URL')).pathname.slice(1)}" WITH (FORCE)`,
  );
  await client.end();
}
