import { randomBytes } from 'node:crypto';

/**
 * Every test run gets its own PostgreSQL database and Redis key prefix, named after a run id that
 * global setup puts in the environment, so runs never see each other's data.
 */
export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdefghij';

function runId(): string {
  const id = process.env.CFT_TEST_RUN_ID;
  if (!id) {
    throw new Error(
      'CFT_TEST_RUN_ID is not set: run the tests through jest (global setup sets it)',
    );
  }
  return id;
}

export const PG_ADMIN_URL =
  process.env.TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function databaseUrl(database = `cft_test_${runId()}`): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

/** A fresh name for a scratch database or key prefix inside this run. */
export function scratchName(label: string): string {
  return `cft_test_${runId()}_${label}_${randomBytes(3).toString('hex')}`;
}

/**
 * The settings of a service on one market, BTC 1h on `binance`, with its own database and key
 * prefix: served by the exchange simulator when one is given, backfilled from `backfillFrom`.
 */
export function btcHourEnv(params: {
  database: string;
  prefix: string;
  sim?: { restUrl: string; wsUrl: string };
  backfillFrom: number;
}): Record<string, string> {
  const { sim } = params;
  return {
    DATABASE_URL: params.database,
    REDIS_PREFIX: params.prefix,
    SYMBOLS: 'BTC',
    INTERVALS: '1h',
    EXCHANGE: 'binance',
    ...(sim ? { EXCHANGE_REST_URL: sim.restUrl, EXCHANGE_WS_URL: sim.wsUrl } : {}),
    BACKFILL_FROM: new Date(params.backfillFrom).toISOString(),
  };
}

export function testEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl(),
    REDIS_URL,
    REDIS_PREFIX: `cft_test_${runId()}`,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
    // Nothing outside this machine is reachable: tests that want an exchange start the simulator.
    LIVE_STREAM: 'false',
    EXCHANGE_REST_URL: 'http://127.0.0.1:9',
    EXCHANGE_WS_URL: 'ws://127.0.0.1:9',
    FEAR_GREED_API_URL: 'off',
    // Suites share this key prefix: limits high enough that one suite's calls never throttle
    // another's (the rate-limit tests set their own limits and prefix).
    RATE_LIMIT_MAX: '1000000',
    RATE_LIMIT_ANONYMOUS_MAX: '1000000',
    // Tests train the models they need, small and on purpose.
    MODEL_AUTO_TRAIN: 'false',
    ...overrides,
  };
}
