import type { Candle } from '../../src/market-data/candle';
import { readBtcHourCandles } from '../../src/simulator/candle-series.fixtures';
import { ExchangeSimulator } from '../../src/simulator/exchange-simulator';
import { api, type Api } from './api';
import { startTestApp, type TestApp } from './test-app';
import { btcHourEnv, databaseUrl, scratchName } from './test-env';
import { waitFor } from './wait-for';

export const HOUR_MS = 3_600_000;
/** The BTCUSDT 1h fixture the live-market suites replay (984 candles). */
export const CANDLES = readBtcHourCandles();

/**
 * One BTC 1h market replayed by the exchange simulator, and an app with a worker (its own
 * database and Redis prefix) that backfilled the fixture and follows the live stream. A suite
 * opens one in `beforeAll`, so each suite (and each test in it) starts from the same state.
 */
export class LiveMarket {
  /** The app; a new one after `restart()`. */
  t!: TestApp;
  /** An admin client of the current app. */
  http!: Api;
  /** The newest candle the simulator closed (the fixture's last until a test closes more). */
  last: Candle = CANDLES[CANDLES.length - 1]!;
  readonly prefix: string;
  private readonly database: string;

  private constructor(
    readonly sim: ExchangeSimulator,
    label: string,
    private readonly extraEnv: Record<string, string>,
  ) {
    this.prefix = scratchName(label);
    this.database = databaseUrl(scratchName(label));
  }

  /** Starts the simulator and the app, and waits for the backfill and the stream. */
  static async open(params: { label: string; env?: Record<string, string> }): Promise<LiveMarket> {
    const sim = await ExchangeSimulator.start({ speed: 0 });
    sim.load('BTCUSDT', '1h', CANDLES);
    const market = new LiveMarket(sim, params.label, params.env ?? {});
    // A failed start leaves nothing running (the suite's afterAll has no market to close).
    try {
      await market.start();
    } catch (error) {
      await sim.close();
      throw error;
    }
    try {
      await waitFor(
        async () =>
          (await market.http.get('/markets')).body[0]?.count === CANDLES.length &&
          sim.openConnections === 1
            ? true
            : undefined,
        { what: 'the backfill and the stream', timeoutMs: 30_000 },
      );
    } catch (error) {
      await market.close();
      throw error;
    }
    return market;
  }

  env(): Record<string, string> {
    return {
      ...btcHourEnv({
        database: this.database,
        prefix: this.prefix,
        sim: this.sim,
        backfillFrom: CANDLES[0]!.openTime,
      }),
      LIVE_STREAM: 'true',
      ...this.extraEnv,
    };
  }

  /** Starts an app on the market's database and prefix (after `stop()`: a restart). */
  async start(): Promise<void> {
    this.t = await startTestApp({ worker: true, env: this.env() });
    this.http = api(this.t, { key: this.t.adminKey });
  }

  /** Stops the app (the simulator keeps running). */
  async stop(): Promise<void> {
    await this.t.close();
  }

  /** Closes the candle after `last` on the simulator (stored and streamed), moving by `change`. */
  async closeNext(change = 0.001): Promise<Candle> {
    this.last = await this.sim.closeNext('BTCUSDT', '1h', this.last, change);
    return this.last;
  }

  async close(): Promise<void> {
    await this.t.close();
    await this.sim.close();
  }
}
