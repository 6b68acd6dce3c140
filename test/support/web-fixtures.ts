import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import type { ExchangeSimulator } from '../../src/simulator/exchange-simulator';
import type { TestApp } from './test-app';

// What the dashboard suites share besides the browser and the service (chromium.ts).

/** RSI swings: buys low, sells high, so a backtest has trades both ways. */
export const RSI_SWING = {
  rules: [
    { label: 'RSI below 45', input: 'rsi', condition: { op: '<', value: 45 }, weight: 1 },
    { label: 'RSI above 55', input: 'rsi', condition: { op: '>', value: 55 }, weight: -1 },
  ],
  thresholds: { buy: 0.5, sell: -0.5 },
};

/**
 * A webhook endpoint on 127.0.0.1 that reads each delivery whole and answers it with the status
 * `answer` gives; its URL ends in /hooks.
 */
export async function startReceiver(
  answer: (req: IncomingMessage) => number,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(answer(req)).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks` };
}

/** Closes what a dashboard suite started, in order; any of them may be missing (a failed start). */
export async function closeAll(started: {
  browser?: Browser;
  t?: TestApp;
  sim?: ExchangeSimulator;
  receiver?: Server;
}): Promise<void> {
  await started.browser?.close();
  await started.t?.close();
  await started.sim?.close();
  const { receiver } = started;
  if (receiver) {
    await new Promise((resolve) => receiver.close(resolve));
  }
}
