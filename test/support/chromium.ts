import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../../bench/chromium';
import type { Candle } from '../../src/market-data/candle';
import { HOUR_MS, readBtcHourCandles } from '../../src/simulator/candle-series.fixtures';
import { ExchangeSimulator } from '../../src/simulator/exchange-simulator';
import { startTestApp, type TestApp } from './test-app';
import { btcHourEnv, databaseUrl, scratchName } from './test-env';
import { waitFor } from './wait-for';

const ROOT = join(__dirname, '..', '..');

/** Where the browser tests keep their screenshots (committed, shown in the docs). */
export const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');
const LAPTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** Builds web/ into web/dist (esbuild, well under a second), so the api serves the current code. */
function buildDashboard(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-web.mjs')], {
    cwd: ROOT,
    stdio: 'pipe',
  });
}

/**
 * What every dashboard suite does first: build web/ (so the api serves the current code), make
 * room for screenshots, and start Chromium.
 */
export async function prepareDashboard(): Promise<Browser> {
  buildDashboard();
  mkdirSync(SCREENSHOTS, { recursive: true });
  return launchChromium();
}

/**
 * Real BTC hours from the fixture, moved so that the last one closed at the start of this hour:
 * the dashboard then shows a market that is current (a lag of minutes, not years).
 */
export function recentCandles(): Candle[] {
  const candles = readBtcHourCandles();
  const last = candles[candles.length - 1]!;
  const shift = Math.floor(Date.now() / HOUR_MS) * HOUR_MS - HOUR_MS - last.openTime;
  return candles.map((candle) => ({ ...candle, openTime: candle.openTime + shift }));
}

/**
 * A browser tab at `size` (a laptop by default), signed in with `key` for this tab's session (as
 * the sign-in form does), collecting its console errors.
 */
export async function openTab(
  browser: Browser,
  params: {
    key?: string;
    size?: { width: number; height: number };
    colorScheme?: 'light' | 'dark';
    /** Accept every confirmation dialog (admin actions that ask first). */
    acceptDialogs?: boolean;
  } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: params.size ?? LAPTOP,
    colorScheme: params.colorScheme ?? 'light',
  });
  if (params.key) {
    await context.addInitScript({
      content: `sessionStorage.setItem('cft.apiKey', ${JSON.stringify(params.key)});`,
    });
  }
  const page = await context.newPage();
  if (params.acceptDialogs) {
    page.on('dialog', (dialog) => void dialog.accept());
  }
  return { context, page, errors: collectPageErrors(page) };
}

/** Every console error and uncaught exception of a page, for a test to assert there are none. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') {
      errors.push(`console: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
  return errors;
}

/**
 * Pixels of the candle colours on the price chart's canvases (run in the page): a chart that drew
 * no candle has none of either. Colours are read from the chart itself (`window.__cftChart`).
 */
export const CANDLE_PIXELS_SCRIPT = `(() => {
  const probe = window.__cftChart;
  if (!probe) return null;
  const rgb = (hex) => [1, 3, 5].map((i) => parseInt(hex.trim().slice(i, i + 2), 16));
  const { up, down } = probe.colors();
  const targets = [rgb(up), rgb(down)];
  const counts = [0, 0];
  for (const canvas of document.querySelectorAll('[data-testid=price-chart] canvas')) {
    if (canvas.width === 0 || canvas.height === 0) continue;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] < 250) continue;
      targets.forEach((target, index) => {
        if (Math.abs(data[i] - target[0]) + Math.abs(data[i + 1] - target[1]) + Math.abs(data[i + 2] - target[2]) <= 6) {
          counts[index] += 1;
        }
      });
    }
  }
  return { up: counts[0], down: counts[1] };
})()`;

/**
 * The dashboard's service as the browser tests use it: the exchange simulator serving `candles`
 * (BTCUSDT 1h), and the api with its worker backfilled from it and holding its live stream.
 */
export async function startDashboardService(
  label: string,
  candles: Candle[],
): Promise<{ sim: ExchangeSimulator; t: TestApp }> {
  const sim = await ExchangeSimulator.start({ speed: 0 });
  sim.load('BTCUSDT', '1h', candles);
  const t = await startTestApp({
    worker: true,
    env: {
      ...btcHourEnv({
        database: databaseUrl(scratchName(label)),
        prefix: scratchName(label),
        sim,
        backfillFrom: candles[0]!.openTime,
      }),
      LIVE_STREAM: 'true',
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    },
  });
  await waitFor(
    async () => {
      const markets = (await fetch(`${t.url}/markets`, {
        headers: { 'x-api-key': t.adminKey },
      }).then((response) => response.json())) as { count?: number }[];
      return markets[0]?.count === candles.length && sim.openConnections === 1 ? true : undefined;
    },
    { what: 'the backfill and the stream', timeoutMs: 30_000 },
  );
  return { sim, t };
}
