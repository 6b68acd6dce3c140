import { join } from 'node:path';
import { Client } from 'pg';
import { CANDLES_WRITTEN } from '../src/market-data/candle-events';
import { CandlesRepository } from '../src/market-data/candles.repository';
import { RedisService } from '../src/redis/redis.service';
import { readCandleCsv } from '../src/simulator/candle-series';
import { api } from './support/api';
import { databaseUrl, scratchName } from './support/test-env';
import { startTestApp, type TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';

const CANDLES = readCandleCsv(
  join(__dirname, 'fixtures', 'klines', 'BTCUSDT-1h-2022-08-20_2022-09-30.csv'),
).slice(0, 48);
const MARKET = { exchange: 'binanceus', symbol: 'BTCUSDT', interval: '1h' };
const PATH = '/candles/BTC?interval=1h&from=2022-08-20T00:00:00Z&limit=5';

/**
 * The validator memo: a conditional GET whose ETag was just sent is answered 304 before the
 * handler runs (the rows behind it are deleted here, so a handler run would answer otherwise),
 * after authentication, and no longer once candles change or the memo's second is over.
 */
describe('conditional GETs answered from the validator memo', () => {
  let t: TestApp;
  let db: Client;
  const url = databaseUrl(scratchName('memo'));
  const get = (key: string | null, etag?: string) =>
    api(t).get(PATH, { key, headers: etag === undefined ? {} : { 'if-none-match': etag } });

  beforeAll(async () => {
    t = await startTestApp({ env: { DATABASE_URL: url, REDIS_PREFIX: scratchName('memo') } });
    db = new Client({ connectionString: url });
    await db.connect();
    // Stored once through the repository; restored by SQL, which publishes no change event.
    await t.app.get(CandlesRepository).upsert(MARKET, CANDLES);
    await db.query('CREATE TABLE memo_candles AS SELECT * FROM candles WHERE symbol = $1', [
      MARKET.symbol,
    ]);
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  async function freshEtag(): Promise<string> {
    await db.query('INSERT INTO candles SELECT * FROM memo_candles ON CONFLICT DO NOTHING');
    const first = await get(t.adminKey);
    expect(first.status).toBe(200);
    expect(first.body.candles).toHaveLength(5);
    await db.query('DELETE FROM candles WHERE symbol = $1', [MARKET.symbol]);
    return first.headers.etag!;
  }

  it('answers 304 without running the handler, with the 200s ETag and Cache-Control', async () => {
    const etag = await freshEtag();
    const memo = await get(t.adminKey, etag);
    expect(memo.status).toBe(304);
    expect(memo.headers.etag).toBe(etag);
    expect(memo.headers['cache-control']).toMatch(/^private, max-age=\d+/);
    expect(memo.headers.vary).toBe('x-api-key, authorization');
    // A wrong key is still refused, and no key without PUBLIC_READ too.
    expect((await get('cft_wrong_key_0000000000000000000000000000', etag)).status).toBe(401);
    expect((await get(null, etag)).status).toBe(401);
    // Another ETag is not the remembered one: the handler runs (and finds no candles now).
    expect((await get(t.adminKey, '"another"')).status).not.toBe(304);
  });

  it('forgets on a change event and after its second', async () => {
    const etag = await freshEtag();
    expect((await get(t.adminKey, etag)).status).toBe(304);
    await t.app
      .get(RedisService)
      .publish(
        CANDLES_WRITTEN,
        JSON.stringify({ ...MARKET, from: CANDLES[0]!.openTime, to: CANDLES[0]!.openTime }),
      );
    await waitFor(async () => ((await get(t.adminKey, etag)).status !== 304 ? true : undefined), {
      what: 'the memo to be emptied by the event',
      timeoutMs: 500,
      intervalMs: 20,
    });

    const again = await freshEtag();
    expect((await get(t.adminKey, again)).status).toBe(304);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await get(t.adminKey, again)).status).not.toBe(304);
  });
});
