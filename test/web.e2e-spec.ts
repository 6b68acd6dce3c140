import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import request from 'supertest';
import type { Candle } from '../src/market-data/candle';
import type { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import {
  CANDLE_PIXELS_SCRIPT,
  PHONE,
  SCREENSHOTS,
  openTab,
  prepareDashboard,
  recentCandles,
  startDashboardService,
} from './support/chromium';
import { api, createClientKey } from './support/api';
import { createStrategy } from './support/strategy-fixtures';
import type { TestApp } from './support/test-app';
import { waitFor } from './support/wait-for';
import { closeAll } from './support/web-fixtures';

describe('web dashboard in Chromium: sign-in, markets, the market chart live, roles', () => {
  const candles = recentCandles();
  let last = candles[candles.length - 1]!;
  let sim: ExchangeSimulator;
  let t: TestApp;
  let browser: Browser;
  let clientKey: string;
  const http = () => api(t, { key: t.adminKey });

  /** Waits until the page's live connection is up and its subscriptions are registered. */
  async function waitForLive(page: Page): Promise<void> {
    await page.locator('.live-connected').waitFor();
    await page.waitForTimeout(500);
  }

  /**
   * Where the chart draws the marker of the candle at `time` (seconds), once it has stayed at the
   * same place for a few frames (polled once per animation frame in the page).
   */
  async function stableMarkerPoint(page: Page, time: number): Promise<{ x: number; y: number }> {
    const handle = await page.waitForFunction(
      `(() => {
        const point = window.__cftChart?.markerPoint(${time}) ?? null;
        const key = point && point.x + ',' + point.y;
        const seen = window.__cftMarkerSeen ?? { key: null, frames: 0 };
        window.__cftMarkerSeen = { key, frames: key !== null && key === seen.key ? seen.frames + 1 : 0 };
        return window.__cftMarkerSeen.frames >= 5 ? point : null;
      })()`,
      undefined,
      { polling: 'raf', timeout: 15_000 },
    );
    return (await handle.jsonValue()) as { x: number; y: number };
  }

  async function closeNextCandle(change: number): Promise<Candle> {
    last = await sim.closeNext('BTCUSDT', '1h', last, change);
    return last;
  }

  beforeAll(async () => {
    browser = await prepareDashboard();
    ({ sim, t } = await startDashboardService('web', candles));
    // A strategy that always buys: every closed candle gets a BUY marker with this reason.
    await createStrategy(http(), 'always-buy', {
      rules: [
        { label: 'RSI below 101', input: 'rsi', condition: { op: '<', value: 101 }, weight: 1 },
      ],
      thresholds: { buy: 0.4, sell: -0.4 },
    });
    clientKey = await createClientKey(http(), 'web-client');
  }, 90_000);

  afterAll(() => closeAll({ browser, t, sim }));

  it('serves the app at / and under /ui/ (no-cache), hashed assets for a year, the API as before', async () => {
    const index = await request(t.url).get('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(index.headers['cache-control']).toBe('no-cache');
    const deepLink = await request(t.url).get('/ui/markets/BTC?interval=1h');
    expect(deepLink.status).toBe(200);
    expect(deepLink.text).toBe(index.text);
    const revalidated = await request(t.url).get('/').set('if-none-match', index.headers.etag!);
    expect(revalidated.status).toBe(304);
    const script = /src="(\/assets\/main-[^"]+\.js)"/.exec(index.text)?.[1];
    expect(script).toBeDefined();
    const asset = await request(t.url).get(script!).set('accept-encoding', 'gzip');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-encoding']).toBe('gzip');
    // Unknown API paths stay JSON 404s; the API and its tools answer where they did.
    const unknown = await request(t.url).get('/no-such-route');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: 'NOT_FOUND', requestId: expect.any(String) });
    expect((await request(t.url).get('/assets/missing.js')).status).toBe(404);
    expect((await request(t.url).get('/markets')).status).toBe(401);
    expect((await request(t.url).get('/docs')).status).toBe(200);
    expect((await request(t.url).get('/admin/queues')).status).toBe(401);
    expect((await http().get('/me')).body.role).toBe('admin');
  });

  it('signs in with the admin key and lists BTC with price, stream, forecast and admin controls', async () => {
    const { context, page, errors } = await openTab(browser, {});
    try {
      await page.goto(t.url);
      // PUBLIC_READ is off: the sign-in form first, and a wrong key is a 401 with its request id.
      await page.fill('#api-key', 'not-a-key-of-this-service');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const refused = page.locator('.sign-in [role=alert]');
      await expect(refused.getAttribute('data-status')).resolves.toBe('401');
      expect(await refused.innerText()).toMatch(
        /401 Unauthenticated[\s\S]*Unknown API key[\s\S]*request id [0-9a-f-]{36}/,
      );
      // Chromium logs that refused request itself ("Failed to load resource: 401"): expected here.
      errors.length = 0;
      await page.fill('#api-key', t.adminKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const row = page.locator('tr[data-symbol=BTC]');
      await row.locator('[data-testid=forecast] table').waitFor();
      expect(await page.getByTestId('who').innerText()).toMatch(/bootstrap-admin|admin/);
      // The newest candle stored (other tests may have closed some): its close, as shown.
      await waitFor(async () =>
        (await row.getByTestId('last-price').innerText()).replace(/,/g, '') ===
        last.close.toFixed(1)
          ? true
          : undefined,
      );
      expect(await row.getByTestId('stream').innerText()).toMatch(/live · lag/);
      expect(await row.getByTestId('forecast-kind').innerText()).toMatch(/baseline/i);
      expect(await row.getByTestId('forecast').innerText()).toMatch(/\+1[\s\S]*\+4[\s\S]*\+24/);
      expect(await page.locator('[data-admin]').count()).toBeGreaterThan(0);
      // Live: a closing candle moves the price, and the strategies' new decisions show.
      await waitForLive(page);
      const closed = await closeNextCandle(0.002);
      await waitFor(
        async () =>
          (await row.getByTestId('last-price').innerText()).replace(/,/g, '') ===
            closed.close.toFixed(1) &&
          (await row.getByTestId('signal').innerText()).includes('always-buy')
            ? true
            : undefined,
        { what: 'the new price and signal on the markets page', timeoutMs: 15_000 },
      );
      await page.screenshot({ path: join(SCREENSHOTS, 'markets.png') });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('draws the candles of the market page, and a closing candle appears live', async () => {
    const { context, page, errors } = await openTab(browser, { key: t.adminKey });
    try {
      await page.goto(`${t.url}/ui/markets/BTC?interval=1h`);
      const chart = page.getByTestId('price-chart');
      await page.locator('[data-testid=price-chart][data-drawn]').waitFor();
      const pixels = await page.evaluate<{ up: number; down: number }>(CANDLE_PIXELS_SCRIPT);
      expect(pixels.up).toBeGreaterThan(200);
      expect(pixels.down).toBeGreaterThan(200);
      const shownTime = Number(await chart.getAttribute('data-last-time'));
      expect(shownTime * 1000).toBe(last.openTime);

      await waitForLive(page);
      const closed = await closeNextCandle(0.004);
      await page
        .locator(`[data-testid=price-chart][data-last-time="${closed.openTime / 1000}"]`)
        .waitFor({ timeout: 15_000 });
      expect(await page.getByTestId('legend').innerText()).toContain(
        new Date(closed.openTime).toISOString().slice(0, 16).replace('T', ' '),
      );
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('marks a new signal on the chart with its reasons in the tooltip', async () => {
    const { context, page, errors } = await openTab(browser, { key: t.adminKey });
    try {
      await page.goto(`${t.url}/ui/markets/BTC?interval=1h`);
      await page.locator('[data-testid=price-chart][data-drawn]').waitFor();
      await waitForLive(page);
      const closed = await closeNextCandle(-0.003);
      const time = closed.openTime / 1000;
      await waitFor(
        async () =>
          (await page.evaluate<number[]>(`window.__cftChart.markerTimes()`)).includes(time)
            ? true
            : undefined,
        { what: 'the BUY marker of the new signal', timeoutMs: 15_000 },
      );
      // The chart may still scroll or rescale (the candle's forecast band follows it): hover
      // where the marker is once it holds still, and again should it move before the tooltip.
      const tooltip = page.locator(`[data-testid=signal-tooltip][data-time="${time}"]`);
      await waitFor(
        async () => {
          const point = await stableMarkerPoint(page, time);
          await page.mouse.move(1, 1);
          await page.mouse.move(point.x, point.y, { steps: 2 });
          await tooltip.waitFor({ timeout: 3_000 });
          return true;
        },
        { what: "the tooltip of the new signal's marker", timeoutMs: 30_000 },
      );
      const text = await tooltip.innerText();
      expect(text).toContain('always-buy');
      expect(text).toContain('BUY');
      expect(text).toContain('RSI below 101');
      await page.screenshot({ path: join(SCREENSHOTS, 'market.png') });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows a client key no admin controls', async () => {
    const { context, page, errors } = await openTab(browser, { key: clientKey });
    try {
      await page.goto(t.url);
      await page.locator('tr[data-symbol=BTC] [data-testid=forecast] table').waitFor();
      expect(await page.getByTestId('who').innerText()).toMatch(/web-client\s+client/i);
      expect(await page.locator('[data-admin]').count()).toBe(0);
      await page.goto(`${t.url}/ui/markets/BTC`);
      await page.locator('[data-testid=price-chart][data-drawn]').waitFor();
      expect(await page.locator('[data-admin]').count()).toBe(0);
      expect(await page.getByText('Queues').count()).toBe(0);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('fits a phone in the dark theme', async () => {
    const { context, page, errors } = await openTab(browser, {
      key: t.adminKey,
      size: PHONE,
      colorScheme: 'dark',
    });
    try {
      await page.goto(`${t.url}/ui/markets/BTC?interval=1h`);
      await page.locator('[data-testid=price-chart][data-drawn]').waitFor();
      const layout = await page.evaluate<{
        scrollWidth: number;
        innerWidth: number;
        background: string;
      }>(
        `({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth,
            background: getComputedStyle(document.body).backgroundColor })`,
      );
      expect(layout.scrollWidth).toBeLessThanOrEqual(layout.innerWidth);
      expect(layout.background).toBe('rgb(28, 33, 48)');
      await page.screenshot({ path: join(SCREENSHOTS, 'market-phone-dark.png') });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
