import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import Redis from 'ioredis';
import { PG_ADMIN_URL, REDIS_URL } from './test-env';

/** Checks PostgreSQL and Redis answer, and names this run's database and key prefix. */
export default async function globalSetup(): Promise<void> {
  process.env.CFT_TEST_RUN_ID ??= `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const client = new Client({ connectionString: PG_ADMIN_URL });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL at ${PG_ADMIN_URL} does not answer: ${(error as Error).message}`);
  } finally {
    await client.end().catch(() => undefined);
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    throw new Error(`Redis at ${REDIS_URL} does not answer: ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }
}
