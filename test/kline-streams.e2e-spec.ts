import type { Exchange } from 'ccxt';
import { BinanceKlineStream } from '../src/market-data/exchange/binance-kline-stream';
import { CcxtKlineStream } from '../src/market-data/exchange/ccxt-kline-stream';
import { overrideOrigins } from '../src/market-data/exchange/ccxt-market-data.provider';
import type {
  ExchangeMarket,
  KlineUpdate,
  LiveStream,
  LiveStreamHandlers,
} from '../src/market-data/exchange/market-data.provider';
import {
  ExchangeSimulator,
  type ExchangeSimulatorOptions,
} from '../src/simulator/exchange-simulator';
import { sleep, waitFor } from './support/wait-for';

const MINUTE_MS = 60_000;
const BTC_1M = [{ symbol: 'BTCUSDT', interval: '1m' }];

/** Handlers that record everything the stream reports. */
function recorder() {
  const log = {
    updates: [] as KlineUpdate[],
    connects: [] as { reconnect: boolean; markets: readonly ExchangeMarket[] }[],
    disconnects: [] as { reason: string; retryInMs: number; markets: readonly ExchangeMarket[] }[],
  };
  const handlers: LiveStreamHandlers = {
    onKline: (update) => log.updates.push(update),
    onConnected: (info) => log.connects.push(info),
    onDisconnected: (info) => log.disconnects.push(info),
  };
  return { log, handlers };
}

function simulator(options: Partial<ExchangeSimulatorOptions> = {}) {
  return ExchangeSimulator.start({
    // Ten simulated minutes a second: a 1m candle closes every 100 ms.
    speed: 600,
    updateIntervalMs: 25,
    markets: [
      {
        symbol: 'BTCUSDT',
        baseAsset: 'BTC',
        quoteAsset: 'USDT',
        intervals: ['1m'],
        source: { kind: 'generated', origin: Date.now() - 86_400_000, seed: 'streams' },
      },
    ],
    ...options,
  });
}

describe('kline streams against the exchange simulator', () => {
  const streams: LiveStream[] = [];
  const simulators: ExchangeSimulator[] = [];
  afterEach(async () => {
    await Promise.all(streams.splice(0).map((stream) => stream.close()));
    await Promise.all(simulators.splice(0).map((sim) => sim.close()));
  });

  it('Binance raw stream: intermediate updates, then each minute closed once with its final values', async () => {
    const sim = await simulator();
    simulators.push(sim);
    const { log, handlers } = recorder();
    streams.push(
      new BinanceKlineStream({
        baseUrl: sim.wsUrl,
        markets: [{ symbol: 'BTCUSDT', interval: '1m' }],
        handlers,
      }),
    );
    await waitFor(
      async () => (log.updates.filter((u) => u.closed).length >= 5 ? true : undefined),
      {
        what: 'five closed klines',
      },
    );
    const closed = log.updates.filter((update) => update.closed);
    const openTimes = closed.map((update) => update.candle.openTime);
    expect(new Set(openTimes).size).toBe(openTimes.length);
    openTimes.slice(1).forEach((openTime, i) => expect(openTime).toBe(openTimes[i]! + MINUTE_MS));
    for (const update of closed) {
      expect(update.candle).toEqual(sim.candleAt('BTCUSDT', '1m', update.candle.openTime));
    }
    // Every closed candle was preceded by intermediate updates of the same candle.
    const intermediate = log.updates.filter((update) => !update.closed);
    // (The last one: the first candles can close together while the simulator generates its first day.)
    expect(
      intermediate.some((update) => update.candle.openTime === openTimes[openTimes.length - 1]),
    ).toBe(true);
    expect(log.connects).toEqual([{ reconnect: false, markets: BTC_1M }]);
  });

  it('answers pings, and reconnects when the exchange drops the connection at the end of its lifetime (Binance: 24 h)', async () => {
    const sim = await simulator({
      // Pongs count against Binance's 5 client messages a second: a ping every 300 ms stays under.
      pingIntervalMs: 300,
      pongTimeoutMs: 400,
      connectionLifetimeMs: 600,
    });
    simulators.push(sim);
    const { log, handlers } = recorder();
    streams.push(
      new BinanceKlineStream({
        baseUrl: sim.wsUrl,
        markets: [{ symbol: 'BTCUSDT', interval: '1m' }],
        handlers,
        backoffBaseMs: 20,
        backoffMaxMs: 50,
      }),
    );
    // Pongs keep it alive past the pong timeout until the lifetime cut: the point is an interval
    // with no reconnect.
    await sleep(450);
    expect(sim.connectionsOpened).toBe(1);
    await waitFor(async () => (log.connects.length >= 2 ? true : undefined), {
      what: 'the reconnect',
    });
    expect(log.disconnects[0]?.reason).toContain('1001');
    expect(log.connects[1]).toEqual({ reconnect: true, markets: BTC_1M });
    expect(sim.connectionsOpened).toBeGreaterThanOrEqual(2);
  });

  it('drops a connection that goes silent and reconnects, then stays once data flows again', async () => {
    const sim = await simulator();
    simulators.push(sim);
    const { log, handlers } = recorder();
    streams.push(
      new BinanceKlineStream({
        baseUrl: sim.wsUrl,
        markets: [{ symbol: 'BTCUSDT', interval: '1m' }],
        handlers,
        silenceTimeoutMs: 300,
        backoffBaseMs: 20,
        backoffMaxMs: 50,
      }),
    );
    await waitFor(async () => (log.connects.length === 1 ? true : undefined), {
      what: 'the connection',
    });
    sim.silence(true);
    await waitFor(async () => (log.disconnects.length >= 1 ? true : undefined), {
      what: 'the silence timeout',
    });
    sim.silence(false);
    await waitFor(
      async () => (log.connects.length >= 2 && sim.openConnections === 1 ? true : undefined),
      {
        what: 'the reconnect',
      },
    );
    const connections = sim.connectionsOpened;
    const closedBefore = log.updates.filter((u) => u.closed).length;
    // The point is an interval: no new connection during it, closed candles still arriving.
    await sleep(700);
    expect(sim.connectionsOpened).toBe(connections);
    expect(log.updates.filter((u) => u.closed).length).toBeGreaterThan(closedBefore);
  });

  it('other exchanges through ccxt watchOHLCV: a candle counts as closed once the next one started', async () => {
    const sim = await simulator();
    simulators.push(sim);
    const ccxt = await import('ccxt');
    const exchange = new ccxt.pro.binance({
      options: { fetchMarkets: { types: ['spot'] } },
    }) as Exchange;
    exchange.urls = {
      ...exchange.urls,
      api: overrideOrigins(
        overrideOrigins(exchange.urls.api, sim.restUrl),
        sim.wsUrl,
      ) as typeof exchange.urls.api,
    };
    await exchange.loadHttpProxyAgent();
    const { log, handlers } = recorder();
    streams.push(
      new CcxtKlineStream({
        exchange: Promise.resolve(exchange),
        markets: [{ symbol: 'BTCUSDT', interval: '1m' }],
        handlers,
        resolveSymbol: async (ex, pair) => {
          await ex.loadMarkets();
          return ex.markets_by_id![pair]![0]!.symbol;
        },
      }),
    );
    try {
      await waitFor(
        async () => (log.updates.filter((u) => u.closed).length >= 4 ? true : undefined),
        {
          what: 'four candles closed by the next-candle rule',
        },
      );
      const closed = log.updates.filter((update) => update.closed);
      // Without the exchange's closed flag, OHLCV of a closed candle is its last update before the
      // next started; with updates every 25 ms of a 100 ms candle, that is its final state or close to it.
      for (const update of closed) {
        const final = sim.candleAt('BTCUSDT', '1m', update.candle.openTime)!;
        expect(update.candle.open).toBe(final.open);
        expect(update.candle.high).toBeLessThanOrEqual(final.high);
        expect(update.candle.low).toBeGreaterThanOrEqual(final.low);
      }
      const openTimes = closed.map((update) => update.candle.openTime);
      expect(new Set(openTimes).size).toBe(openTimes.length);
      expect(log.connects[0]).toEqual({ reconnect: false, markets: BTC_1M });
      expect(sim.requests).toContain('/api/v3/exchangeInfo');
    } finally {
      await streams.pop()?.close();
      await exchange.close();
    }
  });
});
