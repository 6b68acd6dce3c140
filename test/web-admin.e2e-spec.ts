import type { IncomingHttpHeaders, Server } from 'node:http';
import type { Browser } from 'playwright-core';
import type { ExchangeSimulator } from '../src/simulator/exchange-simulator';
import {
  openTab,
  prepareDashboard,
  recentCandles,
  startDashboardService,
} from './support/chromium';
import type { TestApp } from './support/test-app';
import { api, createClientKey } from './support/api';
import { createStrategy } from './support/strategy-fixtures';
import { waitFor } from './support/wait-for';
import { RSI_SWING, closeAll, startReceiver } from './support/web-fixtures';

/** Chromium logs a refused request itself ("Failed to load resource: ... 409"): expected there. */
const unexpected = (errors: string[], status: number) =>
  errors.filter((error) => !new RegExp(`Failed to load resource.*${status}`).test(error));

describe('web dashboard admin actions in Chromium: webhooks, models, paper accounts, API keys', () => {
  const candles = recentCandles();
  let sim: ExchangeSimulator;
  let t: TestApp;
  let browser: Browser;
  let receiver: Server;
  let receiverUrl: string;
  /** What the webhook receiver answers; and the `webhook-id` of each request it got. */
  let receiverStatus = 410;
  const received: { status: number; headers: IncomingHttpHeaders }[] = [];
  const http = () => api(t, { key: t.adminKey });

  beforeAll(async () => {
    browser = await prepareDashboard();
    ({ server: receiver, url: receiverUrl } = await startReceiver((req) => {
      received.push({ status: receiverStatus, headers: req.headers });
      return receiverStatus;
    }));
    ({ sim, t } = await startDashboardService('webadmin', candles));
    await createStrategy(http(), 'rsi-swing', RSI_SWING);
  }, 90_000);

  afterAll(() => closeAll({ browser, t, sim, receiver }));

  it('shows a webhook the API disabled (410 Gone), enables it, and replays its failed delivery', async () => {
    const created = await http().post('/webhooks', {
      body: { url: receiverUrl, events: ['signal.created'] },
    });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const { context, page, errors } = await openTab(browser, {
      key: t.adminKey,
      acceptDialogs: true,
    });
    try {
      await page.goto(`${t.url}/ui/webhooks`);
      const row = page.locator(`[data-testid=webhooks] tr[data-webhook="${id}"]`);
      await row.getByText('enabled', { exact: true }).waitFor();
      // The receiver answers 410 Gone: the API stops deliveries and says why.
      receiverStatus = 410;
      await row.getByRole('button', { name: 'Send test' }).click();
      await row.locator('.job-completed').waitFor({ timeout: 20_000 });
      await waitFor(
        async () =>
          (await http().get(`/webhooks/${id}`)).body.enabled === false ? true : undefined,
        { what: 'the subscription disabled by the 410' },
      );
      await page.reload();
      await row.getByText('disabled', { exact: true }).waitFor();
      expect(await row.innerText()).toMatch(/410 Gone[\s\S]*deliveries stopped/);
      const deliveries = page.getByTestId('deliveries');
      const failed = deliveries.locator('tbody tr').filter({ hasText: 'failed 410' });
      await failed.waitFor();
      const messageId = received[0]?.headers['webhook-id'];
      expect(messageId).toMatch(/^msg_/);
      // Replaying while disabled is refused with the API's message.
      await failed.getByRole('button', { name: 'Replay' }).click();
      const refused = failed.locator('[role=alert]');
      await refused.waitFor();
      expect(await refused.getAttribute('data-status')).toBe('409');
      expect(await refused.innerText()).toMatch(/is disabled[\s\S]*enable first[\s\S]*request id/);
      // Enabled again (the row says so, as does the API), the replay goes through.
      receiverStatus = 204;
      await row.getByRole('button', { name: 'Enable' }).click();
      await row.getByText('enabled', { exact: true }).waitFor();
      expect((await http().get(`/webhooks/${id}`)).body.enabled).toBe(true);
      await failed.getByRole('button', { name: 'Replay' }).click();
      await failed.locator('.job-completed').waitFor({ timeout: 20_000 });
      await waitFor(
        async () => {
          await deliveries.getByRole('button', { name: 'Refresh' }).click();
          return /ok 204[\s\S]*succeeded/.test(await deliveries.innerText()) ? true : undefined;
        },
        { what: 'the replayed delivery listed', timeoutMs: 15_000 },
      );
      // The same message again: same webhook-id, answered 204 this time.
      expect(received.map((each) => [each.status, each.headers['webhook-id']])).toEqual([
        [410, messageId],
        [204, messageId],
      ]);
      expect(unexpected(errors, 409)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('starts a model search and follows it to its best trial, and cancels a training job', async () => {
    const { context, page, errors } = await openTab(browser, {
      key: t.adminKey,
      acceptDialogs: true,
    });
    try {
      await page.goto(`${t.url}/ui/models?symbol=BTC&interval=1h`);
      await page.getByTestId('searches').waitFor();
      // A one-trial linear search: started from the page, its row goes to completed.
      await page.getByLabel('search trials').fill('1');
      await page.getByLabel('search kinds').selectOption('linear');
      await page.getByRole('button', { name: 'Search (1 trials)' }).click();
      const searchRow = page.locator('[data-testid=searches] tr[data-search]').first();
      await searchRow.waitFor();
      const searchId = await searchRow.getAttribute('data-search');
      await waitFor(
        async () => {
          const shown = await searchRow.innerText();
          if (/completed/i.test(shown)) {
            return true;
          }
          const api = (await http().get(`/models/searches/${searchId!}`)).body;
          throw new Error(`the page shows ${shown}; the API ${JSON.stringify(api).slice(0, 300)}`);
        },
        { what: 'the search completed on the page', timeoutMs: 60_000 },
      );
      const search = (await http().get(`/models/searches/${searchId!}`)).body;
      expect(search).toMatchObject({ status: 'completed', trialsDone: 1 });
      const text = await searchRow.innerText();
      expect(text).toContain('1 / 1 trials');
      expect(text).toContain(`${search.best!.kind} (trial ${search.best!.trialIndex})`);

      // A long LSTM training (1,000 epochs of small batches, no early stop, started by the API):
      // the page shows it training with its job's state, and its Cancel stops it.
      const started = await http().post('/admin/models/train', {
        body: {
          symbol: 'BTC',
          interval: '1h',
          kind: 'lstm',
          params: { epochs: 1000, patience: 0, batchSize: 8 },
        },
      });
      expect(started.status).toBe(202);
      const jobId = started.body.jobId;
      const modelId = await waitFor(
        async () =>
          (await http().get('/models?symbol=BTC&interval=1h')).body.find(
            (model) => model.jobId === jobId && model.status === 'training',
          )?.id,
        { what: 'the training version', timeoutMs: 30_000 },
      );
      await page.reload();
      const training = page.locator(`[data-testid=models] tr[data-model="${modelId}"]`);
      await training.getByRole('button', { name: 'Cancel' }).waitFor();
      await training.locator('.job-active').waitFor({ timeout: 15_000 });
      await training.getByRole('button', { name: 'Cancel' }).click();
      await waitFor(
        async () => {
          const shown = await training.innerText();
          if (/failed[\s\S]*training was cancelled/i.test(shown)) {
            return true;
          }
          const [model, job] = await Promise.all([
            http().get(`/models/${modelId}`),
            http().get(`/jobs/${jobId}`),
          ]);
          throw new Error(
            `the page shows ${shown}; the API: model ${model.body.status} ${model.body.error}, job ${job.body.state}`,
          );
        },
        { what: 'the cancelled training on the page', timeoutMs: 60_000 },
      );
      expect((await http().get(`/jobs/${jobId}`)).body).toMatchObject({
        state: 'failed',
        error: expect.stringMatching(/cancelled by an admin/),
      });
      expect((await http().get(`/models/${modelId}`)).body.status).toBe('failed');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 150_000);

  it('opens a paper account from the form and closes it', async () => {
    const { context, page, errors } = await openTab(browser, {
      key: t.adminKey,
      acceptDialogs: true,
    });
    try {
      await page.goto(`${t.url}/ui/paper`);
      await page.getByRole('button', { name: 'Open a paper account…' }).click();
      const form = page.locator('form[data-admin]');
      await form.getByLabel('name').fill('browser-opened');
      await form.getByLabel(/^strategy/).selectOption('rsi-swing');
      await form.getByLabel('starting cash').fill('2500');
      await form.getByRole('button', { name: /^Open/ }).click();
      const listed = page.locator('[data-testid=paper-accounts] tr[data-account=browser-opened]');
      await listed.waitFor();
      expect(await listed.innerText()).toMatch(/rsi-swing v1[\s\S]*BTC 1h[\s\S]*active/i);
      const [account] = (await http().get('/paper-accounts')).body;
      expect(account).toMatchObject({ name: 'browser-opened', status: 'active' });
      const detail = page.getByTestId('paper-account');
      await detail.getByRole('heading', { name: 'browser-opened' }).waitFor();
      await detail.getByRole('button', { name: 'Close' }).click();
      await detail.locator('.badge', { hasText: /^closed$/i }).waitFor();
      expect(await detail.getByRole('button', { name: 'Close' }).count()).toBe(0);
      expect((await http().get(`/paper-accounts/${account!.id}`)).body.status).toBe('closed');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('revokes an API key from the admin page, and the revoked key is then shown a 401', async () => {
    const key = await createClientKey(http(), 'to-be-revoked');
    const client = await openTab(browser, { key: key, acceptDialogs: true });
    const { context, page, errors } = await openTab(browser, {
      key: t.adminKey,
      acceptDialogs: true,
    });
    try {
      // The key works: its tab shows the markets.
      await client.page.goto(t.url);
      await client.page.locator('tr[data-symbol=BTC]').waitFor();
      expect(await client.page.getByTestId('who').innerText()).toMatch(/to-be-revoked/);

      await page.goto(`${t.url}/ui/admin`);
      const row = page
        .locator('[data-testid=api-keys] tbody tr')
        .filter({ hasText: 'to-be-revoked' });
      await row.getByRole('button', { name: 'Revoke' }).click();
      await row.getByText(/^revoked /).waitFor();
      expect(await row.getByRole('button', { name: 'Revoke' }).count()).toBe(0);
      await waitFor(
        async () => ((await http().get('/me', { key })).status === 401 ? true : undefined),
        { what: 'the key refused' },
      );

      // Its tab, reloaded, is refused with the API's 401 and signs out.
      await client.page.reload();
      const refused = client.page.locator('.sign-in [role=alert]');
      await refused.waitFor();
      expect(await refused.getAttribute('data-status')).toBe('401');
      expect(await refused.innerText()).toMatch(
        /401 Unauthenticated[\s\S]*revoked[\s\S]*request id [0-9a-f-]{36}/,
      );
      expect(await client.page.locator('#api-key').count()).toBe(1);
      expect(unexpected(client.errors, 401)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await context.close();
      await client.context.close();
    }
  });
});
