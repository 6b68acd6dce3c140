import { Client, type QueryResultRow } from 'pg';
import type { Candle } from '../../src/market-data/candle';
import { readBtcHourCandles } from '../../src/simulator/candle-series.fixtures';
import { ExchangeSimulator } from '../../src/simulator/exchange-simulator';
import { WebhookReceiver } from '../../src/simulator/webhook-receiver';
import { api, type Schema } from './api';
import { ContractValidator } from './contract-validator';
import { run, type Running } from './processes';
import { startTestApp, type TestApp } from './test-app';
import { btcHourEnv, databaseUrl, scratchName, testEnv } from './test-env';
import { waitFor } from './wait-for';

export const HOUR_MS = 3_600_000;
const CANDLES = readBtcHourCandles().slice(-300);
/** A compressed retry schedule: three retries within about a second. */
const SCHEDULE = '200ms,300ms,500ms';

type Delivery = Schema<'WebhookDeliveryDto'>;

interface Started {
  t: TestApp;
  receiver: WebhookReceiver;
  clientKey: string;
  otherKey: string;
}

/**
 * Webhooks end to end, for one describe block: the api in the test process, the worker in its own
 * process (as deployed, from dist/), candles from the exchange simulator turning into signals, and
 * signed deliveries to a local receiver that verifies them with the `standardwebhooks` library.
 * Its hooks give every test the same start, whatever ran before it: the receiver answers 204, no
 * subscription exists, and the worker holds the exchange stream. Every body delivered during a
 * test must be a `WebhookEvent` of the contract.
 */
export class WebhooksHarness {
  readonly database = databaseUrl(scratchName('hooks'));
  readonly prefix = scratchName('hooks');
  private started?: Started;
  private sim?: ExchangeSimulator;
  private worker?: Running;
  private last = CANDLES[CANDLES.length - 1]!;
  private checkedBodies = 0;

  /** Registers the hooks in the calling describe; with `worker: false`, only the api runs. */
  constructor(private readonly params: { worker: boolean }) {
    beforeAll(() => this.start(), 90_000);
    beforeEach(() => this.receiver.answerWith({ status: 204 }));
    afterEach(() => this.checkDeliveredBodies());
    afterEach(() => this.reset(), 60_000);
    afterAll(() => this.stop());
  }

  private get state(): Started {
    if (!this.started) {
      throw new Error('The webhooks harness has not started (its beforeAll failed?)');
    }
    return this.started;
  }

  get t(): TestApp {
    return this.state.t;
  }

  get receiver(): WebhookReceiver {
    return this.state.receiver;
  }

  /** A client key, and another one that must not see the first one's subscriptions. */
  get clientKey(): string {
    return this.state.clientKey;
  }

  get otherKey(): string {
    return this.state.otherKey;
  }

  /** The last candle the exchange closed. */
  get lastCandle(): Candle {
    return this.last;
  }

  readonly as = (key: string) => api(this.t, { key });

  /** One query against the test's database, on a connection of its own. */
  readonly sql = async <Row extends QueryResultRow>(
    text: string,
    values: unknown[] = [],
  ): Promise<Row[]> => {
    const pg = new Client({ connectionString: this.database });
    await pg.connect();
    try {
      return (await pg.query<Row>(text, values)).rows;
    } finally {
      await pg.end();
    }
  };

  /** Closes the next candle on the exchange: the worker stores it and the strategy decides. */
  readonly closeNextCandle = async (): Promise<Candle> => {
    if (!this.sim) {
      throw new Error('This harness runs no exchange: start it with worker: true');
    }
    this.last = await this.sim.closeNext('BTCUSDT', '1h', this.last, 0.002);
    return this.last;
  };

  /** A `signal.created` subscription (unless `extra` says otherwise) whose secret the receiver trusts. */
  readonly subscribe = async (
    key: string,
    path: string,
    extra: Record<string, unknown> = {},
  ): Promise<{ id: string; secret: string }> => {
    const response = await this.as(key).post('/webhooks', {
      body: { url: `${this.receiver.url}${path}`, events: ['signal.created'], ...extra },
    });
    expect(response.status).toBe(201);
    this.receiver.trust(response.body.secret);
    return { id: response.body.id, secret: response.body.secret };
  };

  readonly deliveries = async (id: string, key = this.clientKey): Promise<Delivery[]> => {
    const response = await this.as(key).get(`/webhooks/${id}/deliveries`);
    expect(response.status).toBe(200);
    return response.body;
  };

  /** The attempt log once it holds `count` successful attempts (they are written after the POST). */
  readonly settledDeliveries = async (id: string, succeeded: number): Promise<Delivery[]> => {
    return waitFor(async () => {
      const log = await this.deliveries(id);
      return log.filter((d) => d.succeeded).length >= succeeded ? log : undefined;
    });
  };

  /** Stops the worker process; a later `startWorker` (or the next test) starts one again. */
  async stopWorker(signal: NodeJS.Signals): Promise<void> {
    const current = this.worker;
    this.worker = undefined;
    if (current && current.child.exitCode === null && current.child.signalCode === null) {
      current.child.kill(signal);
      await current.exited;
    }
  }

  startWorker(): void {
    this.worker = run(
      'worker.js',
      testEnv({ ...this.env(), LIVE_STREAM: 'true', LOG_LEVEL: 'warn' }),
    );
  }

  /** Until the worker holds the exchange stream (after a start or a restart). */
  async waitForStream(): Promise<void> {
    await waitFor(async () => (this.sim?.openConnections === 1 ? true : undefined), {
      what: 'the worker to hold the exchange stream',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  }

  private env(): Record<string, string> {
    return {
      ...btcHourEnv({
        database: this.database,
        prefix: this.prefix,
        sim: this.sim,
        backfillFrom: CANDLES[0]!.openTime,
      }),
      WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      WEBHOOK_RETRY_SCHEDULE: SCHEDULE,
      WEBHOOK_TIMEOUT_MS: '3000',
      WEBHOOK_CONCURRENCY: '4',
      WEBHOOK_ENDPOINT_CONCURRENCY: '2',
      SECRET_KEY: 'webhook-test-secret-key-0123456789abcdef',
    };
  }

  private async start(): Promise<void> {
    if (this.params.worker) {
      this.sim = await ExchangeSimulator.start({ speed: 0 });
      this.sim.load('BTCUSDT', '1h', CANDLES);
    }
    const receiver = await WebhookReceiver.start();
    const t = await startTestApp({ env: this.env() });
    const newKey = async (name: string) =>
      (
        await api(t, { key: t.adminKey }).post('/admin/api-keys', {
          body: { name, role: 'client' },
        })
      ).body.key;
    this.started = {
      t,
      receiver,
      clientKey: await newKey('hooks-a'),
      otherKey: await newKey('hooks-b'),
    };
    if (!this.sim) {
      return;
    }
    this.startWorker();
    await this.waitForStream();
    await waitFor(
      async () =>
        ((await this.as(t.adminKey).get('/markets')).body[0]?.count ?? 0) >= CANDLES.length
          ? true
          : undefined,
      { what: 'the backfill', timeoutMs: 30_000 },
    );
    // The worker forecasts the newest candle a moment after the backfill and publishes it
    // (`prediction.updated`): a test's subscription created before that would receive it.
    await waitFor(
      async () => {
        const served = await this.as(t.adminKey).get('/predict/BTC?interval=1h');
        return served.status === 200 && Date.parse(served.body.openTime) === this.last.openTime
          ? true
          : undefined;
      },
      { what: "the worker's forecast of the newest candle", timeoutMs: 30_000 },
    );
  }

  private checkDeliveredBodies(): void {
    const validator = new ContractValidator(this.t.openapi());
    const bodies = this.receiver.received.slice(this.checkedBodies).map((hook) => hook.body);
    this.checkedBodies += bodies.length;
    expect(
      bodies.flatMap((body) => validator.checkSchema('WebhookEvent', JSON.parse(body))),
    ).toEqual([]);
  }

  /** Every subscription goes (an admin sees all), and a worker a test stopped runs again. */
  private async reset(): Promise<void> {
    const admin = this.as(this.t.adminKey);
    for (const webhook of (await admin.get('/webhooks')).body) {
      expect((await admin.delete(`/webhooks/${webhook.id}`)).status).toBe(204);
    }
    if (this.params.worker && !this.worker) {
      this.startWorker();
      await this.waitForStream();
    }
  }

  private async stop(): Promise<void> {
    await this.stopWorker('SIGTERM');
    await this.started?.t.close();
    await this.started?.receiver.close();
    await this.sim?.close();
  }
}
