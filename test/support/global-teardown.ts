import { Client } from 'pg';
import Redis from 'ioredis';
import { PG_ADMIN_URL, REDIS_URL } from './test-env';

/** Drops this run's databases and Redis keys. */
export default async function globalTeardown(): Promise<void> {
  const id = process.env.CFT_TEST_RUN_ID;
  if (!id) {
    return;
  }
  const prefix = `cft_test_${id}`;
  const client = new Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname LIKE $1',
      [`${prefix}%`],
    );
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    }
  } finally {
    await client.end();
  }
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) {
        await redis.del(...keys);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
