import { CandleSyncService } from '../../src/market-data/sync/candle-sync.service';
import { ExchangeSimulator } from '../../src/simulator/exchange-simulator';
import { generatedBtcMarket } from '../bench-server';
import { configFor, dropScratch, RUN, scratchUrl, withContext } from './scratch-app';

const MINUTE_MS = 60_000;

function rate(count: number, ms: number): string {
  return `${Math.round(count / (ms / 1000)).toLocaleString('en')} candles/s (${(ms / 1000).toFixed(1)} s)`;
}

export async function backfillBench(candleCount: number): Promise<void> {
  const origin = Date.UTC(2021, 0, 1);
  const simulator = await ExchangeSimulator.start({
    speed: 0,
    startTime: origin + (candleCount + 1) * MINUTE_MS,
    markets: [generatedBtcMarket({ interval: '1m', origin, seed: 'bench' })],
  });
  const to = origin + (candleCount - 1) * MINUTE_MS;
  try {
    console.log(
      `\n2. Backfill of ${candleCount.toLocaleString('en')} 1m candles from the simulator over HTTP`,
    );
    // Reference first: it also makes the simulator generate (and keep) every candle.
    const plainStarted = performance.now();
    let plainCount = 0;
    for (let from = origin; from <= to;) {
      const response = await fetch(
        `${simulator.restUrl}/api/v3/klines?symbol=BTCUSDT&interval=1m&startTime=${from}&endTime=${to}&limit=1000`,
      );
      const rows = (await response.json()) as [number][];
      plainCount += rows.length;
      from = rows[rows.length - 1]![0] + MINUTE_MS;
    }
    const plainMs = performance.now() - plainStarted;
    const config = configFor({
      DATABASE_URL: scratchUrl(`${RUN}_backfill`),
      SYMBOLS: 'BTC',
      INTERVALS: '1m',
      EXCHANGE: 'binance',
      EXCHANGE_REST_URL: simulator.restUrl,
      EXCHANGE_WS_URL: simulator.wsUrl,
    });
    const { serviceMs, inserted } = await withContext(
      config,
      async (app) => {
        const started = performance.now();
        const outcome = await app
          .get(CandleSyncService)
          .backfill({ symbol: 'BTC', interval: '1m', from: origin, to });
        return { serviceMs: performance.now() - started, inserted: outcome.inserted };
      },
      true,
    );
    if (inserted !== candleCount || plainCount !== candleCount) {
      throw new Error(
        `backfill stored ${inserted} and plain fetch read ${plainCount} of ${candleCount} candles`,
      );
    }
    console.log(`   plain fetch + JSON.parse of the same pages: ${rate(plainCount, plainMs)}`);
    console.log(
      `   backfill (ccxt provider, validation, bulk upsert, gap check): ${rate(inserted, serviceMs)}`,
    );
    console.log(
      `   ratio: ${((plainMs / serviceMs) * 100).toFixed(0)}% of plain fetch; target >= 20,000 candles/s: ${
        inserted / (serviceMs / 1000) >= 20_000 ? 'met' : 'NOT met'
      }`,
    );
    await dropScratch(config);
  } finally {
    await simulator.close();
  }
}
