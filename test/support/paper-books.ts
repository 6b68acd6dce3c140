import { Client } from 'pg';
import { api, type Schema } from './api';
import type { TestApp } from './test-app';
import { databaseUrl, scratchName } from './test-env';

export const HOUR_MS = 3_600_000;
/** Candles of the recorded books (any past hours: the records are written here, not stepped). */
export const T0 = Date.UTC(2022, 8, 1);

/** The environment of a paper-account suite: its own database and Redis prefix. */
export function paperEnv(label: string) {
  return {
    DATABASE_URL: databaseUrl(scratchName(label)),
    REDIS_PREFIX: scratchName(label),
    SYMBOLS: 'BTC,ETH',
    INTERVALS: '1h',
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    WEBHOOK_RETRY_SCHEDULE: '200ms,300ms,500ms',
    SECRET_KEY: 'paper-test-secret-key-0123456789abcdef',
  };
}

/** The two books' records: equity at three candles, one round trip each. */
async function recordBooks(database: string, accountId: string): Promise<void> {
  const pg = new Client({ connectionString: database });
  await pg.connect();
  try {
    const equity: [string, number, number, number][] = [
      ['BTCUSDT', T0, 5000, 0],
      ['BTCUSDT', T0 + HOUR_MS, 0, 5050],
      ['BTCUSDT', T0 + 2 * HOUR_MS, 5030, 0],
      ['ETHUSDT', T0, 5000, 0],
      ['ETHUSDT', T0 + HOUR_MS, 4990, 0],
      ['ETHUSDT', T0 + 2 * HOUR_MS, 5010, 0],
    ];
    for (const [symbol, time, cash, positionValue] of equity) {
      await pg.query(
        `INSERT INTO paper_equity (account_id, symbol, open_time, cash, position_value, equity, late)
         VALUES ($1, $2, to_timestamp($3 / 1000.0), $4, $5, $6, false)`,
        [accountId, symbol, time, cash, positionValue, cash + positionValue],
      );
    }
    await pg.query(
      `INSERT INTO paper_trades (account_id, symbol, entry_time, exit_time, entry_price, exit_price,
         quantity, fees, profit, return_pct, exit_reason)
       VALUES ($1, 'BTCUSDT', to_timestamp($2 / 1000.0), to_timestamp($3 / 1000.0), 20000, 20120,
               0.25, 10, 20, 0.004, 'signal'),
              ($1, 'ETHUSDT', to_timestamp($2 / 1000.0), to_timestamp($4 / 1000.0), 1600, 1596,
               3, 9.6, -21.6, -0.0045, 'stop-loss')`,
      [accountId, T0, T0 + 2 * HOUR_MS, T0 + HOUR_MS],
    );
  } finally {
    await pg.end();
  }
}

/**
 * A client key, and the account `contract-forward` on BTC and ETH with recorded books (equity at
 * three candles, one round trip per market), in the app `t` with database `database`.
 */
export async function openRecordedAccount(
  t: TestApp,
  database: string,
): Promise<{ clientKey: string; account: Schema<'PaperAccountDto'> }> {
  const admin = api(t, { key: t.adminKey });
  const created = await admin.post('/admin/api-keys', {
    body: { name: 'paper-client', role: 'client' },
  });
  expect(created.status).toBe(201);
  const opened = await admin.post('/admin/paper-accounts', {
    body: {
      name: 'contract-forward',
      strategy: 'default',
      markets: ['BTC', 'ETH'],
      startingCash: 10000,
    },
  });
  expect(opened.status).toBe(201);
  await recordBooks(database, opened.body.id);
  return { clientKey: created.body.key, account: opened.body };
}
