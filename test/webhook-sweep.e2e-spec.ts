import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { cachedForecast } from '../src/models/live/cached-prediction.fixtures';
import { PredictionCache } from '../src/models/live/prediction.cache';
import { WebhookReceiver } from '../src/simulator/webhook-receiver';
import { WebhookFanoutService } from '../src/webhooks/delivery/webhook-fanout.service';
import { SweepWebhooksProcessor } from '../src/webhooks/jobs/sweep-webhooks.processor';
import { messageIdOf, predictionWebhookEvent } from '../src/webhooks/webhook-events';
import { api } from './support/api';
import { startTestApp } from './support/test-app';
import { databaseUrl, scratchName } from './support/test-env';
import { waitFor } from './support/wait-for';

const HOUR_MS = 3_600_000;

/** Events stored but never published (a worker died in between) are found and sent by the sweep. */
describe('webhook sweep', () => {
  it('re-sends every event type lost between storing and publishing, with the live message ids, once', async () => {
    const receiver = await WebhookReceiver.start();
    const sweepApp = await startTestApp({
      worker: true,
      env: {
        DATABASE_URL: databaseUrl(scratchName('sweep')),
        REDIS_PREFIX: scratchName('sweep'),
        SYMBOLS: 'BTC',
        INTERVALS: '1h',
        EXCHANGE: 'binance',
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        SECRET_KEY: 'sweep-test-secret-key-0123456789abcdef',
      },
    });
    const pg = new Client({ connectionString: sweepApp.config.get('DATABASE_URL') });
    await pg.connect();
    const admin = api(sweepApp, { key: sweepApp.adminKey });
    try {
      const hook = await admin.post('/webhooks', {
        body: {
          url: `${receiver.url}/all`,
          events: ['signal.created', 'prediction.updated', 'paper.trade'],
        },
      });
      expect(hook.status).toBe(201);
      receiver.trust(hook.body.secret);
      const sweep = sweepApp.app.get(SweepWebhooksProcessor);
      // Nothing happened yet: nothing to recover.
      expect(await sweep.process()).toEqual({ requeued: 0, recovered: 0 });

      // A forecast written to the prediction cache whose publish never went out.
      const openTime = Date.UTC(2026, 0, 1, 10);
      const market = { exchange: 'binance', symbol: 'BTCUSDT', interval: '1h' };
      const horizon = {
        horizon: 1,
        targetTime: openTime + 2 * HOUR_MS,
        predictedReturn: 0.001,
        predictedClose: 100.1,
        median: 0.001,
        lower: -0.01,
        upper: 0.012,
        lowerClose: 99,
        upperClose: 101.2,
        volatility: 0.01,
        probabilityUp: 0.55,
        shrinkage: null,
        test: null,
      };
      const cached = cachedForecast({
        kind: 'baseline',
        openTime,
        targetTime: horizon.targetTime,
        lastClose: 100,
        predictedClose: 100.1,
        predictedReturn: 0.001,
        probabilityUp: 0.55,
        horizons: [horizon],
        modelVersionId: null,
        trainedAt: null,
      });
      await sweepApp.app.get(PredictionCache).write(market, cached);

      // A paper sell committed by the trader whose paper.trade was never published.
      const account = await admin.post('/admin/paper-accounts', {
        body: {
          name: 'swept',
          strategy: 'default',
          markets: ['BTC'],
          startingCash: 1000,
        },
      });
      expect(account.status).toBe(201);
      const accountId = account.body.id;
      const orderId = randomUUID();
      const fillTime = openTime + HOUR_MS;
      await pg.query(
        `INSERT INTO paper_orders (id, account_id, symbol, side, reason, decision_time, fill_time, status)
         VALUES ($1, $2, 'BTCUSDT', 'SELL', 'signal', to_timestamp($3 / 1000.0), to_timestamp($4 / 1000.0), 'filled')`,
        [orderId, accountId, openTime, fillTime],
      );
      await pg.query(
        `INSERT INTO paper_fills (order_id, account_id, symbol, time, price, quantity, fee)
         VALUES ($1, $2, 'BTCUSDT', to_timestamp($3 / 1000.0), 101, 2, 0.2)`,
        [orderId, accountId, fillTime],
      );
      await pg.query(
        `INSERT INTO paper_trades (account_id, symbol, entry_time, exit_time, entry_price, exit_price, quantity,
           fees, profit, return_pct, exit_reason)
         VALUES ($1, 'BTCUSDT', to_timestamp($2 / 1000.0), to_timestamp($3 / 1000.0), 100, 101, 2, 0.4, 1.6, 0.008, 'signal')`,
        [accountId, openTime - 5 * HOUR_MS, fillTime],
      );

      // The sweep reads the prediction cache through its in-process mirror, checked against Redis
      // at most once a second: the forecast is recovered by the second or third sweep at most.
      // The worker's own sweeps (every minute, and once after it took its markets at start) may
      // recover one of them first, so what is counted is the messages stored, not our sweeps' tally.
      const stored = async (): Promise<number> => {
        const result = await pg.query<{ count: string }>('SELECT count(*) FROM webhook_messages');
        return Number(result.rows[0]!.count);
      };
      await waitFor(
        async () => {
          await sweep.process();
          return (await stored()) >= 2 ? true : undefined;
        },
        { intervalMs: 1_100, timeoutMs: 30_000, what: 'the sweep to recover both events' },
      );
      expect(await stored()).toBe(2);
      await receiver.until(() => receiver.uniqueDelivered('/all').size === 2);
      const delivered = [...receiver.uniqueDelivered('/all').values()];
      expect(delivered.every((received) => received.verified)).toBe(true);
      const byType = new Map(
        delivered.map((received) => [
          (JSON.parse(received.body) as { type: string }).type,
          received,
        ]),
      );
      // The message ids the live fan-out gives these events (src/webhooks/webhook-events.ts).
      const prediction = byType.get('prediction.updated')!;
      expect(prediction.headers['webhook-id']).toBe(
        messageIdOf('prediction.updated', 'baseline', 'binance', 'BTCUSDT', '1h', openTime),
      );
      expect(JSON.parse(prediction.body)).toMatchObject({
        data: { symbol: 'BTC', interval: '1h', predictedClose: 100.1 },
      });
      const trade = byType.get('paper.trade')!;
      expect(trade.headers['webhook-id']).toBe(messageIdOf('paper.trade', orderId));
      expect(JSON.parse(trade.body)).toMatchObject({
        data: {
          orderId,
          accountId,
          accountName: 'swept',
          symbol: 'BTC',
          pair: 'BTCUSDT',
          side: 'SELL',
          reason: 'signal',
          decisionTime: new Date(openTime).toISOString(),
          fillTime: new Date(fillTime).toISOString(),
          price: 101,
          quantity: 2,
          fee: 0.2,
          trade: { entryPrice: 100, exitPrice: 101, profit: 1.6, exitReason: 'signal' },
        },
      });

      // A second sweep, and the live fan-out of the same events arriving late, add nothing.
      expect(await sweep.process()).toEqual({ requeued: 0, recovered: 0 });
      const fanout = sweepApp.app.get(WebhookFanoutService);
      expect(await fanout.fanOut(predictionWebhookEvent(cached, 48 * HOUR_MS))).toBe(0);
      expect(await stored()).toBe(2);
    } finally {
      await pg.end();
      await sweepApp.close();
      await receiver.close();
    }
  });
});
