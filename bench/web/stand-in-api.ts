import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page, Route, WebSocketRoute } from 'playwright-core';
import { dashboardDir } from '../../src/web/dashboard.routes';
import {
  CATALOGUE,
  HISTORY_HOURS,
  candleAt,
  lastOf,
  markets,
  prediction,
  signal,
  stepOf,
} from './stand-in-data';

/** The page's origin: Playwright answers every request to it, so nothing goes to the network. */
export const ORIGIN = 'http://dashboard.bench';

/** The stand-in REST API: what the dashboard asks for, computed from the random walk. */
function answer(url: URL): unknown {
  const path = url.pathname;
  const q = url.searchParams;
  const interval = q.get('interval') ?? '1h';
  const step = stepOf(interval);
  const last = lastOf(interval);
  const first = last - (HISTORY_HOURS - 1) * step;
  const range = () => {
    const from = Math.max(first, Number(q.get('from') ?? first));
    const to = Math.min(last, Number(q.get('to') ?? last));
    return { from: Math.ceil(from / step) * step, to };
  };
  if (path === '/me') {
    return {
      apiKeyId: '00000000-0000-4000-8000-000000000002',
      name: 'bench',
      role: 'admin',
      prefix: 'bench',
    };
  }
  if (path === '/markets') {
    return markets();
  }
  if (path === '/indicators') {
    return CATALOGUE;
  }
  const symbol = path.split('/')[2] ?? 'BTC';
  if (path.startsWith('/candles/')) {
    const limit = Number(q.get('limit') ?? 500);
    let { from } = range();
    const cursor = q.get('cursor');
    if (cursor) {
      const after = Number(Buffer.from(cursor, 'base64url').toString().slice(2));
      from = Math.max(from, Math.ceil(after / step) * step);
    }
    const { to } = range();
    const candles = [];
    for (let time = from; time <= to && candles.length < limit + 1; time += step) {
      candles.push(candleAt(symbol, step, time));
    }
    const page = candles.slice(0, limit);
    const next = candles.length > limit ? Date.parse(page[page.length - 1]!.openTime) + 1 : null;
    return {
      symbol,
      pair: `${symbol}USDT`,
      interval,
      candles: page,
      nextCursor: next === null ? null : Buffer.from(`t:${next}`).toString('base64url'),
    };
  }
  if (path.startsWith('/indicators/')) {
    const { from, to } = range();
    const limit = Number(q.get('limit') ?? 500);
    const times: number[] = [];
    for (let time = from; time <= to && times.length < limit; time += step) {
      times.push(time);
    }
    const closes = times.map((time) => candleAt(symbol, step, time).close);
    const names = (q.get('names') ?? 'ema:20').split(/,(?=[a-z])/);
    return {
      symbol,
      pair: `${symbol}USDT`,
      interval,
      openTimes: times.map((time) => new Date(time).toISOString()),
      indicators: names.map((key) => ({
        key,
        name: key.split(':')[0],
        params: [],
        outputs: [
          {
            name: 'value',
            values: key.startsWith('rsi')
              ? closes.map((_, i) => 50 + 20 * Math.sin(i / 9))
              : closes.map((close) => close * 0.995),
          },
        ],
      })),
      nextFrom:
        (times[times.length - 1] ?? to) < to
          ? new Date(times[times.length - 1]! + step).toISOString()
          : null,
    };
  }
  if (path.startsWith('/predict/')) {
    return prediction(symbol, interval, last);
  }
  if (path.endsWith('/history')) {
    const { from, to } = range();
    const signals = [];
    for (let time = Math.ceil(from / (40 * step)) * 40 * step; time <= to; time += 40 * step) {
      signals.push(signal(symbol, interval, time, (time / step) % 80 === 0 ? 'BUY' : 'SELL'));
    }
    return signals.reverse();
  }
  if (path.startsWith('/signals/')) {
    return [signal(symbol, interval, last, 'HOLD')];
  }
  return null;
}

/** The built dashboard and the stand-in API, both answered by Playwright inside the browser. */
export async function serve(page: Page): Promise<void> {
  const dist = dashboardDir();
  await page.route(`${ORIGIN}/**`, async (route: Route) => {
    const url = new URL(route.request().url());
    if (url.pathname === '/' || url.pathname.startsWith('/ui/')) {
      const html = readFileSync(join(dist, 'index.html'), 'utf8').replace(
        '<head>',
        '<head><meta name="cft-public-read" content="false" />',
      );
      await route.fulfill({ status: 200, contentType: 'text/html', body: html });
      return;
    }
    if (url.pathname.startsWith('/assets/')) {
      const file = join(dist, url.pathname);
      const type = file.endsWith('.css') ? 'text/css' : 'application/javascript';
      await route.fulfill(
        existsSync(file)
          ? { status: 200, contentType: type, body: readFileSync(file) }
          : { status: 404 },
      );
      return;
    }
    const body = answer(url);
    await route.fulfill(
      body === null
        ? {
            status: 404,
            contentType: 'application/json',
            body: JSON.stringify({
              statusCode: 404,
              code: 'NOT_FOUND',
              message: 'no such route',
              requestId: 'bench',
            }),
          }
        : { status: 200, contentType: 'application/json', body: JSON.stringify(body) },
    );
  });
}

export interface Subscription {
  id: string;
  field: string;
  symbol: string;
  interval: string;
}

/** The stand-in GraphQL websocket (graphql-transport-ws): acknowledges and records subscriptions. */
export async function liveSocket(
  page: Page,
  subscriptions: Map<WebSocketRoute, Subscription[]>,
): Promise<void> {
  await page.routeWebSocket(`${ORIGIN.replace('http', 'ws')}/graphql`, (ws) => {
    subscriptions.set(ws, []);
    ws.onMessage((raw) => {
      const message = JSON.parse(String(raw)) as {
        type: string;
        id?: string;
        payload?: { query: string; variables?: Record<string, string> };
      };
      if (message.type === 'connection_init') {
        ws.send(JSON.stringify({ type: 'connection_ack' }));
      } else if (message.type === 'ping') {
        ws.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'subscribe' && message.id && message.payload) {
        const field =
          /(candleClosed|predictionUpdated|signalCreated)/.exec(message.payload.query)?.[1] ?? '';
        subscriptions.get(ws)?.push({
          id: message.id,
          field,
          symbol: message.payload.variables?.symbol ?? '',
          interval: message.payload.variables?.interval ?? '1h',
        });
      } else if (message.type === 'complete') {
        subscriptions.set(
          ws,
          (subscriptions.get(ws) ?? []).filter((each) => each.id !== message.id),
        );
      }
    });
  });
}
