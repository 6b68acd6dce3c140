/**
 * A small bot on the typed client: polls the forecast, prints the first signal of a live
 * subscription, and verifies the webhooks the service sends to its receiver.
 *
 *   FORECAST_BASE_URL  the service (default http://localhost:3000)
 *   FORECAST_API_KEY   an API key (`npm run cli -- api-key create --name bot --role client`)
 *   WEBHOOK_SECRET     the `whsec_...` secret of a subscription (POST /webhooks) to this receiver
 *   WEBHOOK_PORT       where the receiver listens (default 8787)
 *   SYMBOL             default BTC
 *   POLL_INTERVAL_MS   default 10000
 *   RUN_ONCE=true      exit 0 once a forecast, a signal and a verified webhook have been printed
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
// Inside this repository the package is used from its source; elsewhere: '@crypto-forecast/client'.
import {
  CandlesDocument,
  SignalCreatedDocument,
  WebhookVerificationError,
  createClient,
  createLiveClient,
  subscribe,
  verifyWebhook,
} from '../../clients/typescript/src';

const baseUrl = process.env.FORECAST_BASE_URL ?? 'http://localhost:3000';
const apiKey = process.env.FORECAST_API_KEY;
const webhookSecret = process.env.WEBHOOK_SECRET;
const webhookPort = Number(process.env.WEBHOOK_PORT ?? 8787);
const symbol = process.env.SYMBOL ?? 'BTC';
const pollIntervalMs = Number(process.env.POLL_INTERVAL_MS ?? 10_000);
const runOnce = process.env.RUN_ONCE === 'true';

const api = createClient({ baseUrl, apiKey });
const live = createLiveClient({ baseUrl, apiKey });
const done = { forecast: false, signal: false, webhook: false };

function progress(step: keyof typeof done): void {
  done[step] = true;
  if (runOnce && done.forecast && done.signal && done.webhook) {
    console.log('done: a forecast, a signal and a verified webhook');
    process.exit(0);
  }
}

async function pollForecast(): Promise<void> {
  const { data, error, response } = await api.GET('/predict/{symbol}', {
    params: { path: { symbol } },
  });
  if (error !== undefined || !data) {
    // The error body of the contract (ErrorResponse): a code to branch on, a message for humans
    // and the request id to quote when reporting a problem.
    console.log(
      `forecast unavailable (${response.status} ${error?.code}): ${error?.message} [request ${error?.requestId}]`,
    );
    return;
  }
  const next = data.horizons[0];
  console.log(
    `forecast ${data.symbol} ${data.interval} (${data.kind}) after the candle of ${data.openTime}: ` +
      `close ${data.lastClose} -> ${data.predictedClose.toFixed(2)}` +
      (next ? ` [${next.lowerClose.toFixed(2)}, ${next.upperClose.toFixed(2)}]` : '') +
      `, P(up) ${data.probabilityUp.toFixed(2)}`,
  );
  progress('forecast');
}

async function printFirstCandle(): Promise<void> {
  const { data, errors } = await api.graphql(CandlesDocument, { symbol, from: '0', limit: 1 });
  if (errors) {
    console.log(`no candles: ${errors.map((error) => error.message).join('; ')}`);
    return;
  }
  const page = data.candles;
  console.log(
    `candles over GraphQL ${page.symbol} ${page.interval} start at ${page.candles[0]?.openTime ?? '(none yet)'}`,
  );
}

async function printFirstSignal(): Promise<void> {
  for await (const { signalCreated: signal } of subscribe(live, SignalCreatedDocument, {
    symbol,
  })) {
    console.log(
      `signal received ${signal.symbol} ${signal.interval} ${signal.strategyName}: ${signal.action} ` +
        `at ${signal.close} (score ${signal.score.toFixed(2)}, confidence ${signal.confidence.toFixed(2)}) ` +
        `for the candle of ${signal.openTime}`,
    );
    progress('signal');
    break;
  }
}

const receiver = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (!webhookSecret) {
      console.log('webhook ignored: WEBHOOK_SECRET is not set');
      response.writeHead(500).end();
      return;
    }
    try {
      const event = verifyWebhook({
        secret: webhookSecret,
        body: Buffer.concat(chunks),
        headers: request.headers,
      });
      const about =
        event.type === 'signal.created'
          ? `${event.data.symbol} ${event.data.action}`
          : event.type === 'prediction.updated'
            ? `${event.data.symbol} ${event.data.predictedClose}`
            : '';
      console.log(`webhook ${event.type} ${request.headers['webhook-id']} verified ${about}`);
      response.writeHead(204).end();
      progress('webhook');
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) {
        throw error;
      }
      console.log(`webhook rejected: ${error.message}`);
      response.writeHead(401).end();
    }
  });
});

receiver.listen(webhookPort, '127.0.0.1', () => {
  console.log(`webhook receiver on http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`);
});
printFirstCandle().catch((error: unknown) =>
  console.error(`GraphQL query failed: ${String(error)}`),
);
printFirstSignal().catch((error: unknown) => {
  console.error(`subscription failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
const poll = (): void => {
  pollForecast().catch((error: unknown) => console.error(`poll failed: ${String(error)}`));
};
poll();
setInterval(poll, pollIntervalMs);
