import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { AppConfig } from '../../src/config/app-config';
import { createHttpApp } from '../../src/http-app';
import { TEST_ADMIN_KEY, testEnv } from './test-env';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  url: string;
  adminKey: string;
  close(): Promise<void>;
}

/** The real HTTP app on a random port, against this run's PostgreSQL database and Redis prefix. */
export async function startTestApp(
  params: { env?: Record<string, string | undefined>; worker?: boolean } = {},
): Promise<TestApp> {
  const config = AppConfig.fromEnv(testEnv(params.env));
  const app = await createHttpApp({
    config,
    rootLogger: pino({ level: 'silent' }),
    roles: { api: true, worker: params.worker ?? false },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = await app.getUrl();
  return {
    app,
    config,
    url: url.replace('[::1]', '127.0.0.1'),
    adminKey: config.get('ADMIN_API_KEY') ?? TEST_ADMIN_KEY,
    close: () => app.close(),
  };
}

/** Polls `probe` until it returns a value or the time is up. */
export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  params: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (params.timeoutMs ?? 10_000);
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, params.intervalMs ?? 50));
  }
  throw new Error(
    `Timed out waiting for ${params.what ?? 'a condition'}${lastError ? `: ${(lastError as Error).message}` : ''}`,
  );
}
