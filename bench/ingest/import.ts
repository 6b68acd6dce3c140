import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { AppConfig } from '../../src/config/app-config';
import { KlinesImportService } from '../../src/market-data/import/klines-import.service';
import { withContext } from './scratch-app';

/** A deterministic random walk written as a Binance 1m dump (12 columns, no header). */
async function writeDump(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  let price = 30_000;
  let seed = 42;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  const start = Date.UTC(2020, 0, 1);
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const open = price;
    const close = Math.max(1, open * (1 + (random() - 0.5) * 0.004));
    const high = Math.max(open, close) * (1 + random() * 0.001);
    const low = Math.min(open, close) * (1 - random() * 0.001);
    const volume = 1 + random() * 50;
    const openTime = start + i * 60_000;
    chunk += `${openTime},${open.toFixed(2)},${high.toFixed(2)},${low.toFixed(2)},${close.toFixed(2)},${volume.toFixed(6)},${openTime + 59_999},${(volume * close).toFixed(8)},${Math.round(volume * 30)},${(volume / 2).toFixed(6)},${((volume * close) / 2).toFixed(8)},0\n`;
    price = close;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) {
        await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      }
      chunk = '';
    }
  }
  out.end(chunk);
  await new Promise<void>((resolve) => out.once('finish', () => resolve()));
}

export async function importBench(config: AppConfig, rows: number): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cft-bench-'));
  const file = join(dir, 'BTCUSDT-1m.csv');
  try {
    await writeDump(file, rows);
    const size = (await stat(file)).size;
    console.log(
      `\n1. Import of ${rows.toLocaleString('en')} candles (${(size / 1e6).toFixed(0)} MB Binance dump)`,
    );

    const { rawMs, importMs } = await withContext(config, async (app) => {
      // The context has created and migrated the scratch database.
      const client = new Client({ connectionString: config.get('DATABASE_URL') });
      await client.connect();
      await client.query(`CREATE TABLE raw_dump (open_time bigint, open float8, high float8, low float8,
        close float8, volume float8, close_time bigint, quote_volume float8, trade_count int,
        taker_buy_base_volume float8, taker_buy_quote_volume float8, ignored text)`);
      const rawStarted = performance.now();
      await pipeline(
        createReadStream(file),
        client.query(copyFrom(`COPY raw_dump FROM STDIN WITH (FORMAT csv)`)),
      );
      const raw = performance.now() - rawStarted;
      await client.query('DROP TABLE raw_dump');
      await client.end();

      const started = performance.now();
      const summary = await app
        .get(KlinesImportService)
        .import({ symbol: 'BTC', interval: '1m', paths: [file] });
      const elapsed = performance.now() - started;
      if (summary.inserted !== rows) {
        throw new Error(`import inserted ${summary.inserted} of ${rows} rows`);
      }
      return { rawMs: raw, importMs: elapsed };
    });
    const rawRate = rows / (rawMs / 1000);
    const importRate = rows / (importMs / 1000);
    console.log(
      `   raw COPY of the file into a scratch table (no key, no checks): ${Math.round(rawRate).toLocaleString('en')} rows/s (${(rawMs / 1000).toFixed(1)} s)`,
    );
    console.log(
      `   import-klines (parse, validate, upsert): ${Math.round(importRate).toLocaleString('en')} rows/s (${(importMs / 1000).toFixed(1)} s)`,
    );
    console.log(
      `   ratio: ${((importRate / rawRate) * 100).toFixed(0)}% of raw COPY (target >= 50%)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
