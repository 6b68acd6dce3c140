import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { bootstrap } from './main';
import { ExchangeSimulator } from './simulator/exchange-simulator';
import { simulatedMarkets } from './simulator/simulated-markets';

const DAY_MS = 86_400_000;

/** Environment the demo sets unless the user already did. */
function setDefault(name: string, value: string): string {
  process.env[name] ??= value;
  return process.env[name];
}

/**
 * The offline demo: a simulated Binance (seeded candles with volatility clustering, live klines in
 * real time) on a local port, and the full service (api + worker) pointed at it through
 * `EXCHANGE_REST_URL` / `EXCHANGE_WS_URL`. Every real code path runs: REST backfill, gap repair, the
 * websocket stream, the candle API. Data goes to its own database so it never mixes with real data.
 */
async function demo(): Promise<void> {
  const historyDays = Number(process.env.DEMO_HISTORY_DAYS ?? 90);
  const port = Number(process.env.SIMULATOR_PORT ?? 9400);
  const origin = Math.floor((Date.now() - historyDays * DAY_MS) / DAY_MS) * DAY_MS;
  const bases = setDefault('SYMBOLS', 'BTC,ETH,SOL,ADA')
    .split(',')
    .map((base) => base.trim().toUpperCase());
  const quote = setDefault('QUOTE', 'USDT');
  const intervals = setDefault('INTERVALS', '1m,1h')
    .split(',')
    .map((interval) => interval.trim());
  const simulator = await ExchangeSimulator.start({
    port,
    markets: simulatedMarkets({
      bases,
      quote,
      intervals,
      origin,
      seed: process.env.DEMO_SEED ?? 'demo',
      // A little trend persistence, so the demo's models have something to find.
      momentum: Number(process.env.DEMO_MOMENTUM ?? 0.4),
    }),
    speed: 1,
  });
  setDefault('EXCHANGE', 'binance');
  setDefault('EXCHANGE_REST_URL', simulator.restUrl);
  setDefault('EXCHANGE_WS_URL', simulator.wsUrl);
  setDefault('BACKFILL_FROM', new Date(origin).toISOString());
  setDefault('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/crypto_freq_trade_demo');
  setDefault('REDIS_PREFIX', 'cft-demo');
  setDefault('PUBLIC_READ', 'true');
  // Offline: no sentiment API is reachable (LunarCrush is off anyway without a key).
  setDefault('FEAR_GREED_API_URL', 'off');
  setDefault('LOG_LEVEL', 'info');
  const adminKey = setDefault('ADMIN_API_KEY', `demo-admin-${randomBytes(16).toString('hex')}`);
  const base = `http://127.0.0.1:${process.env.PORT ?? 3000}`;
  process.stdout.write(
    `Dashboard: ${base}/  (${process.env.PUBLIC_READ === 'true' ? 'reads are public; ' : ''}sign in with the admin key for admin controls)\n` +
      `Admin key for this demo: ${adminKey}\n` +
      `Simulated exchange on ${simulator.restUrl} (${bases.join(', ')} / ${quote}, ${intervals.join(', ')}, ` +
      `${historyDays} days of history).\nTry: curl '${base}/candles/BTC?interval=1m&limit=5'; curl ${base}/predict/BTC\n`,
  );
  await bootstrap({ withWorker: true });
  if ((process.env.DEMO_AUTO_PROMOTE ?? 'true') === 'true') {
    promoteFirstCandidates({ base, adminKey, bases });
  }
}

/**
 * The demo's admin: a market whose first model did not beat persistence (short, noisy history)
 * would show no prediction at all; the demo promotes its newest candidate instead, says so, and
 * `/predict` says `beatsPersistence: false`. The service itself never promotes a loser.
 */
function promoteFirstCandidates(params: {
  base: string;
  adminKey: string;
  bases: readonly string[];
}): void {
  const headers = { 'x-api-key': params.adminKey, 'content-type': 'application/json' };
  const timer = setInterval(() => {
    void (async () => {
      for (const symbol of params.bases) {
        const served = await fetch(`${params.base}/predict/${symbol}`, { headers });
        if (served.status !== 503) {
          continue;
        }
        const production = (await (
          await fetch(`${params.base}/models?symbol=${symbol}&status=production`, { headers })
        ).json()) as unknown[];
        const candidates = (await (
          await fetch(`${params.base}/models?symbol=${symbol}&status=candidate`, { headers })
        ).json()) as { id: string }[];
        const newest = candidates[0];
        if (production.length === 0 && newest) {
          await fetch(`${params.base}/admin/models/${newest.id}/promote`, {
            method: 'POST',
            headers,
            body: '{}',
          });
          process.stdout.write(
            `demo: promoted candidate ${newest.id} for ${symbol} although it did not beat persistence, so /predict/${symbol} has something to show\n`,
          );
        }
      }
    })().catch(() => undefined);
  }, 10_000);
  timer.unref();
}

void demo();
