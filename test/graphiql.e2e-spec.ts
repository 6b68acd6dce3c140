import { join } from 'node:path';
import type { Browser, Request } from 'playwright-core';
import request from 'supertest';
import { launchChromium } from '../bench/chromium';
import { collectPageErrors } from './support/chromium';
import type { GraphQLBody } from './support/graphql';
import { openAndClosedApps } from './support/graphql-apps';

describe('GraphQL tools in the browser', () => {
  const apps = openAndClosedApps();

  describe('GraphiQL at /graphiql', () => {
    let browser: Browser;

    beforeAll(async () => {
      browser = await launchChromium();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('serves the page and its assets from the service (hashed, cached for good), and not in production', async () => {
      const page = await request(apps.open.url).get('/graphiql');
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/^text\/html/);
      expect(page.text).not.toMatch(/https?:\/\//);
      const assets = [...page.text.matchAll(/(?:src|href)="(\/graphiql\/assets\/[^"]+)"/g)].map(
        (m) => m[1]!,
      );
      expect(assets.map((asset) => asset.split('/').pop())).toEqual([
        'graphiql.min.css',
        'react.production.min.js',
        'react-dom.production.min.js',
        'graphiql.min.js',
        'graphql-ws.min.js',
        'graphiql-client.js',
      ]);
      for (const asset of assets) {
        const response = await request(apps.open.url).get(asset).set('accept-encoding', 'gzip');
        expect({ asset, status: response.status }).toEqual({ asset, status: 200 });
        expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
        expect(response.headers['content-encoding']).toBe('gzip');
      }
      const missing = await request(apps.open.url).get(
        '/graphiql/assets/0000000000000000/graphiql.min.js',
      );
      expect(missing.status).toBe(404);
      expect(missing.body).toMatchObject({ code: 'NOT_FOUND' });

      expect((await request(apps.closed.url).get('/graphiql')).status).toBe(404);
    });

    it('works in Chromium with no network beyond the service: docs list the schema, a typed query and a subscription run', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const origin = new URL(apps.open.url).origin;
      const outside: string[] = [];
      const failed: string[] = [];
      const refused: string[] = [];
      // Everything outside the service is blocked (and recorded): the page must not need it.
      await context.route('**/*', async (route) => {
        const url = route.request().url();
        if (url.startsWith(`${origin}/`) || url.startsWith('data:')) {
          await route.continue();
        } else {
          outside.push(url);
          await route.abort('internetdisconnected');
        }
      });
      await context.addInitScript({
        content: `sessionStorage.setItem('cft.apiKey', ${JSON.stringify(apps.open.adminKey)});`,
      });
      const page = await context.newPage();
      const errors = collectPageErrors(page);
      page.on('requestfailed', (failure: Request) =>
        failed.push(`${failure.url()}: ${failure.failure()?.errorText}`),
      );
      page.on('response', (response) => {
        if (response.status() >= 400) {
          refused.push(`${response.status()} ${response.url()}`);
        }
      });
      try {
        await page.goto(`${apps.open.url}/graphiql`, { waitUntil: 'networkidle' });
        await page.locator('.graphiql-container').waitFor();

        // The docs pane lists the schema the page introspected.
        await page.getByRole('button', { name: /Show Documentation Explorer/i }).click();
        const docs = page.locator('.graphiql-doc-explorer');
        await docs.getByText('Query', { exact: true }).first().click();
        await docs.getByText('prediction', { exact: true }).first().waitFor();
        await docs.getByText('candles', { exact: true }).first().waitFor();

        // A query typed into the editor runs with the key the headers editor starts with.
        await page.locator('.graphiql-query-editor .CodeMirror').click();
        await page.keyboard.press('Control+A');
        await page.keyboard.press('Delete');
        await page.keyboard.insertText('query Who { me { name role } }');
        // GraphiQL reads the operation's name from the editor a moment later (the tab says it).
        await page.locator('.graphiql-tab', { hasText: 'Who' }).waitFor();
        await page.getByRole('button', { name: /Execute query/i }).click();
        const result = page.locator('.graphiql-response');
        await result.getByText('"admin"').waitFor();
        const answer = JSON.parse(
          await result
            .locator('.CodeMirror')
            .evaluate((el): string =>
              (el as unknown as { CodeMirror: { getValue(): string } }).CodeMirror.getValue(),
            ),
        ) as GraphQLBody<unknown>;
        expect(answer).toEqual({
          data: { me: { name: expect.any(String) as string, role: 'admin' } },
        });

        await page.screenshot({
          path: join(__dirname, '..', 'docs', 'screenshots', 'graphiql.png'),
        });

        // Subscriptions go over this service's websocket, with the headers editor's key.
        const sockets: string[] = [];
        page.on('websocket', (socket) => sockets.push(socket.url()));
        await page.locator('.graphiql-query-editor .CodeMirror').click();
        await page.keyboard.press('Control+A');
        await page.keyboard.press('Delete');
        await page.keyboard.insertText(
          'subscription Live { candleClosed(symbol: "BTC", interval: "1h") { nope } }',
        );
        await page.locator('.graphiql-tab', { hasText: 'Live' }).waitFor();
        await page.getByRole('button', { name: /Execute subscription|Execute query/i }).click();
        await result
          .getByText(/^"Cannot query field \\"nope\\" on type \\"CandleClosed\\"/)
          .waitFor();
        expect(sockets).toEqual([`${origin.replace(/^http/, 'ws')}/graphql`]);

        expect({ outside, failed, refused, errors }).toEqual({
          outside: [],
          failed: [],
          refused: [],
          errors: [],
        });
      } finally {
        await context.close();
      }
    });
  });
});
