import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import {
  PHONE,
  SCREENSHOTS,
  openTab,
  prepareDashboard,
  recentCandles,
  startDashboardService,
} from './support/chromium';
import type { TestApp } from './support/test-app';
import { api, backtestResult, createClientKey } from './support/api';
import { createStrategy } from './support/strategy-fixtures';
import { waitFor } from './support/wait-for';
import { RSI_SWING, closeAll, startReceiver } from './support/web-fixtures';

/** Every page this file covers, with what shows that it has loaded its data. */
const PAGES = [
  { name: 'backtests', path: '/ui/backtests', ready: '[data-testid=backtest-form]' },
  { name: 'strategies', path: '/ui/strategies', ready: '[data-testid=strategy]' },
  { name: 'paper', path: '/ui/paper', ready: '[data-testid=paper-account]' },
  { name: 'models', path: '/ui/models', ready: '[data-testid=searches]' },
  { name: 'webhooks', path: '/ui/webhooks', ready: '[data-testid=webhook-form]' },
  { name: 'admin', path: '/ui/admin', ready: '[data-testid=api-keys] tbody tr' },
] as const;

/** Share of a canvas's opaque pixels that differ from its most common colour (0: blank). */
const CANVAS_INK_SCRIPT = (testId: string) => `(() => {
  let inked = 0;
  for (const canvas of document.querySelectorAll('[data-testid=${testId}] canvas')) {
    if (canvas.width === 0 || canvas.height === 0) continue;
    const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const counts = new Map();
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] === 0) continue;
      const key = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    let total = 0;
    let top = 0;
    for (const count of counts.values()) { total += count; top = Math.max(top, count); }
    inked += total - top;
  }
  return inked;
})()`;

describe('web dashboard pages in Chromium: backtests, strategies, paper, models, webhooks, admin', () => {
  const candles = recentCandles();
  let last = candles[candles.length - 1]!;
  let sim: ExchangeSimulator;
  let t: TestApp;
  let browser: Browser;
  let receiver: Server;
  let receiverUrl: string;
  let clientKey: string;
  const http = () => api(t, { key: t.adminKey });

  beforeAll(async () => {
    browser = await prepareDashboard();
    // A webhook endpoint that accepts every delivery.
    ({ server: receiver, url: receiverUrl } = await startReceiver(() => 204));
    ({ sim, t } = await startDashboardService('webpages', candles));
    await createStrategy(http(), 'rsi-swing', RSI_SWING);
    const account = await http().post('/admin/paper-accounts', {
      body: {
        name: 'web-paper',
        strategy: 'rsi-swing',
        markets: ['BTC'],
        interval: '1h',
        startingCash: 10_000,
      },
    });
    expect(account.status).toBe(201);
    // Two closed candles: the account steps them, so it has an equity curve to draw.
    for (const change of [0.004, -0.002]) {
      last = await sim.closeNext('BTCUSDT', '1h', last, change);
    }
    await waitFor(
      async () =>
        (await http().get(`/paper-accounts/${account.body.id}/equity`)).body.points.length >= 2
          ? true
          : undefined,
      { what: 'the paper account stepping the new candles', timeoutMs: 30_000 },
    );
    clientKey = await createClientKey(http(), 'web-pages-client');
  }, 90_000);

  afterAll(() => closeAll({ browser, t, sim, receiver }));

  it('starts a backtest from the form, follows it, and draws its equity curve', async () => {
    const { context, page, errors } = await openTab(browser, { key: t.adminKey });
    try {
      await page.goto(`${t.url}/ui/backtests`);
      const form = page.getByTestId('backtest-form');
      await form.waitFor();
      await form.locator('select[name=strategy]').selectOption('rsi-swing');
      await form.locator('select[name=sizing]').selectOption('fraction');
      await form.locator('input[name=fraction]').fill('0.5');
      await form.locator('input[name=feeRate]').fill('0.002');
      await form.getByRole('button', { name: 'Run backtest' }).click();
      // The page follows the run in its URL, then polls it to the end.
      await page.waitForURL(/\/ui\/backtests\?id=/);
      await page
        .locator('[data-testid=backtest][data-status=completed]')
        .waitFor({ timeout: 60_000 });
      const id = new URL(page.url()).searchParams.get('id')!;
      const stored = await http().get(`/backtests/${id}`);
      expect(stored.body.status).toBe('completed');
      expect(stored.body.params).toMatchObject({ feeRate: 0.002 });
      const result = backtestResult(stored.body);
      const chart = page.locator('[data-testid=equity-chart][data-drawn]');
      await waitFor(async () =>
        (await chart.getAttribute('data-last'))?.includes('buy-and-hold') ? true : undefined,
      );
      // The chart paints on an animation frame after its data is set (data-drawn): wait for it.
      await page.waitForFunction(`${CANVAS_INK_SCRIPT('equity-chart')} > 500`);
      expect(await page.evaluate(CANVAS_INK_SCRIPT('equity-chart'))).toBeGreaterThan(500);
      // Both curves end on the API's figures: the strategy's equity and buy-and-hold's.
      const lastValues = JSON.parse((await chart.getAttribute('data-last'))!) as Record<
        string,
        number
      >;
      expect(lastValues.strategy).toBeCloseTo(result.strategy.finalEquity, 2);
      // Buy-and-hold is the curve stored with the run, at the strategy's times.
      const holding = stored.body.buyAndHoldEquity!;
      expect(holding.map(([time]) => time)).toEqual(stored.body.equity!.map(([time]) => time));
      expect(lastValues['buy-and-hold']).toBeCloseTo(holding[holding.length - 1]![1]!, 6);
      expect(lastValues['buy-and-hold']).toBeCloseTo(result.buyAndHold.finalEquity, 2);
      expect(Number(await chart.getAttribute('data-drawn'))).toBe(2 * holding.length);
      await page.locator('[data-testid=drawdown-chart][data-drawn]').waitFor();
      const metrics = await page.getByTestId('backtest-metrics').innerText();
      expect(metrics).toMatch(/strategy[\s\S]*buy-and-hold/i);
      // The figures shown are the API's: strategy and buy-and-hold total return.
      const format = (value: number) => `${value > 0 ? '+' : ''}${(value * 100).toFixed(2)}%`;
      expect(metrics).toContain(format(result.strategy.totalReturn));
      expect(metrics).toContain(format(result.buyAndHold.totalReturn));
      const trades = (await http().get(`/backtests/${id}/trades`)).body;
      if (trades.length > 0) {
        expect(await page.locator('[data-testid=trades] tbody tr').count()).toBe(trades.length);
      }
      // The run heads the recent runs (GET /backtests), marked as the one shown.
      const run = page.locator(`[data-testid=backtest-runs] tbody tr[data-id="${id}"]`);
      await waitFor(async () => (/completed/i.test(await run.innerText()) ? true : undefined), {
        what: 'the run listed as completed',
      });
      expect(await run.getAttribute('aria-current')).toBe('true');
      expect(await run.innerText()).toContain(format(result.strategy.totalReturn));
      expect(
        await page.locator('[data-testid=backtest-runs] tbody tr').first().getAttribute('data-id'),
      ).toBe(id);
      await page.screenshot({ path: join(SCREENSHOTS, 'backtests.png') });
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('creates a webhook and shows its secret once', async () => {
    const { context, page, errors } = await openTab(browser, { key: clientKey });
    try {
      await page.goto(`${t.url}/ui/webhooks`);
      const form = page.getByTestId('webhook-form');
      await form.waitFor();
      await form.locator('input[name=url]').fill(receiverUrl);
      await form.locator('input[name=symbols]').fill('btc');
      await form.getByRole('button', { name: 'Create webhook' }).click();
      const secret = page.getByTestId('secret');
      await secret.waitFor();
      const text = await secret.innerText();
      expect(text).toMatch(/^whsec_/);
      await page.getByRole('button', { name: 'I have saved it' }).click();
      expect(await page.getByTestId('secret').count()).toBe(0);
      const row = page.locator('[data-testid=webhooks] tbody tr').first();
      await row.waitFor();
      expect(await row.innerText()).toContain(receiverUrl);
      expect(await row.innerText()).toContain('BTC');
      // A test event is delivered and listed with its status.
      await row.getByRole('button', { name: 'Send test' }).click();
      await waitFor(
        async () => {
          await page.getByTestId('deliveries').getByRole('button', { name: 'Refresh' }).click();
          const deliveries = await page.getByTestId('deliveries').innerText();
          return /webhook\.test[\s\S]*ok 204/.test(deliveries) ? true : undefined;
        },
        { what: 'the test delivery', timeoutMs: 20_000 },
      );
      await page.screenshot({ path: join(SCREENSHOTS, 'webhooks.png') });
      // Gone for good: neither the page nor the API shows the secret again.
      await page.reload();
      await page.locator('[data-testid=webhooks] tbody tr').first().waitFor();
      expect(await page.getByTestId('secret').count()).toBe(0);
      expect(await page.content()).not.toContain(text);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('shows a paper account next to buy-and-hold and its backtest, with its equity, and pauses it', async () => {
    const { context, page, errors } = await openTab(browser, { key: t.adminKey });
    try {
      await page.goto(`${t.url}/ui/paper`);
      await page.locator('[data-testid=paper-equity-chart][data-drawn]').waitFor();
      await page.waitForFunction(`${CANVAS_INK_SCRIPT('paper-equity-chart')} > 0`);
      expect(await page.evaluate(CANVAS_INK_SCRIPT('paper-equity-chart'))).toBeGreaterThan(0);
      expect(await page.getByTestId('paper-metrics').innerText()).toMatch(
        /account[\s\S]*buy-and-hold[\s\S]*backtest/i,
      );
      await page.screenshot({ path: join(SCREENSHOTS, 'paper.png') });
      const account = page.getByTestId('paper-account');
      await account.getByRole('button', { name: 'Pause' }).click();
      await account.getByRole('button', { name: 'Resume' }).waitFor();
      const [listed] = (await http().get('/paper-accounts')).body;
      expect(listed?.status).toBe('paused');
      await account.getByRole('button', { name: 'Resume' }).click();
      await account.getByRole('button', { name: 'Pause' }).waitFor();
      expect((await http().get('/paper-accounts')).body[0]?.status).toBe('active');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('trains a model from the models page, follows the job, lists it next to the baselines and retires it', async () => {
    const { context, page, errors } = await openTab(browser, { key: t.adminKey });
    page.on('dialog', (dialog) => void dialog.accept());
    try {
      await page.goto(`${t.url}/ui/models?symbol=BTC&interval=1h`);
      await page.getByTestId('searches').waitFor();
      await page.getByLabel('model kind').selectOption('linear');
      await page.getByRole('button', { name: 'Train linear' }).click();
      // The job's state from GET /jobs/:id, then the new version in the registry.
      await page.locator('.admin-action .job').first().waitFor();
      const row = page.locator('[data-testid=models] tbody tr').first();
      await row.waitFor({ timeout: 120_000 });
      await waitFor(
        async () => ((await row.innerText()).match(/candidate|production/i) ? true : undefined),
        { what: 'the trained linear model in the registry', timeoutMs: 120_000 },
      );
      const [model] = (await http().get('/models?symbol=BTC&interval=1h')).body;
      expect(model?.kind).toBe('linear');
      const text = await row.innerText();
      // The contract leaves a version's metrics free-form.
      const { split } = model!.metrics as {
        split: { model: { mae: number }; persistence: { mae: number } };
      };
      expect(text).toContain(split.model.mae.toPrecision(4));
      expect(text).toContain(split.persistence.mae.toPrecision(4));
      expect(text).toMatch(/\+1: \d+%/);
      await page.screenshot({ path: join(SCREENSHOTS, 'models.png') });
      await row.getByRole('button', { name: 'Retire' }).click();
      await waitFor(
        async () =>
          (await http().get(`/models/${model!.id}`)).body.status === 'retired' ? true : undefined,
        { what: 'the retired model' },
      );
      await row.getByRole('button', { name: 'Promote' }).waitFor();
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 180_000);

  it('renders every page without console errors, and writes a screenshot of each', async () => {
    for (const each of PAGES) {
      const { context, page, errors } = await openTab(browser, { key: t.adminKey });
      try {
        await page.goto(`${t.url}${each.path}`);
        await page.locator(each.ready).first().waitFor({ timeout: 15_000 });
        expect(await page.locator('[role=alert]').count()).toBe(0);
        if (!['backtests', 'webhooks', 'paper', 'models'].includes(each.name)) {
          await page.screenshot({ path: join(SCREENSHOTS, `${each.name}.png`) });
        }
        expect({ page: each.name, errors }).toEqual({ page: each.name, errors: [] });
      } finally {
        await context.close();
      }
    }
  }, 60_000);

  it('fits a phone in the dark theme on every page', async () => {
    for (const each of PAGES) {
      const { context, page, errors } = await openTab(browser, {
        key: t.adminKey,
        size: PHONE,
        colorScheme: 'dark',
      });
      try {
        await page.goto(`${t.url}${each.path}`);
        await page.locator(each.ready).first().waitFor({ timeout: 15_000 });
        const layout = await page.evaluate<{ scrollWidth: number; innerWidth: number }>(
          `({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth })`,
        );
        expect({
          page: each.name,
          ...layout,
          fits: layout.scrollWidth <= layout.innerWidth,
        }).toEqual({ page: each.name, ...layout, fits: true });
        if (each.name === 'paper') {
          await page.screenshot({ path: join(SCREENSHOTS, 'paper-phone-dark.png') });
        }
        expect({ page: each.name, errors }).toEqual({ page: each.name, errors: [] });
      } finally {
        await context.close();
      }
    }
  }, 60_000);

  it('shows a client key no admin controls on these pages', async () => {
    for (const each of PAGES) {
      const { context, page, errors } = await openTab(browser, { key: clientKey });
      try {
        await page.goto(`${t.url}${each.path}`);
        if (each.name === 'admin') {
          await page.getByText('This page needs an admin key').waitFor();
        } else {
          await page.locator(each.ready).first().waitFor({ timeout: 15_000 });
        }
        expect({ page: each.name, admin: await page.locator('[data-admin]').count() }).toEqual({
          page: each.name,
          admin: 0,
        });
        expect(await page.getByRole('link', { name: 'Admin' }).count()).toBe(0);
        expect({ page: each.name, errors }).toEqual({ page: each.name, errors: [] });
      } finally {
        await context.close();
      }
    }
  }, 60_000);

  it('shows the API message and request id of a failed request', async () => {
    const { context, page, errors } = await openTab(browser, { key: t.adminKey });
    try {
      await page.goto(`${t.url}/ui/backtests?id=00000000-0000-4000-8000-000000000000`);
      const alert = page.locator('[role=alert]').first();
      await alert.waitFor();
      expect(await alert.innerText()).toMatch(/404 Not found[\s\S]*request id [0-9a-f-]{36}/);
      // Chromium logs the refused request itself ("Failed to load resource: 404"): expected here.
      expect(errors.every((error) => /Failed to load resource.*404/.test(error))).toBe(true);
    } finally {
      await context.close();
    }
  });
});
