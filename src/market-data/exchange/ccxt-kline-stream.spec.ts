import type { Exchange, OHLCV } from 'ccxt';
import { CcxtKlineStream } from './ccxt-kline-stream';
import type { KlineUpdate } from './market-data.provider';

const MINUTE_MS = 60_000;
const T0 = Date.UTC(2024, 0, 1);

/** An exchange whose websocket answers the scripted updates in turn (an Error: the socket fails). */
function scriptedExchange(script: (OHLCV[] | Error)[]): Exchange {
  let next = 0;
  return {
    watchOHLCVForSymbols: async () => {
      const step = script[next++];
      if (step === undefined) {
        return new Promise(() => undefined); // quiet from here on
      }
      if (step instanceof Error) {
        throw step;
      }
      return { 'BTC/USDT': { '1m': step } };
    },
  } as unknown as Exchange;
}

const row = (minute: number, close: number): OHLCV => [
  T0 + minute * MINUTE_MS,
  100,
  110,
  90,
  close,
  5,
];

describe('CcxtKlineStream', () => {
  async function run(script: (OHLCV[] | Error)[]): Promise<KlineUpdate[]> {
    const updates: KlineUpdate[] = [];
    const stream = new CcxtKlineStream({
      exchange: Promise.resolve(scriptedExchange(script)),
      markets: [{ symbol: 'BTCUSDT', interval: '1m' }],
      handlers: {
        onKline: (update) => updates.push(update),
        onConnected: () => undefined,
        onDisconnected: () => undefined,
      },
      resolveSymbol: async () => 'BTC/USDT',
      backoffBaseMs: 2,
      backoffMaxMs: 4,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await stream.close();
    return updates;
  }

  it('closes a candle with its last update once the next one starts', async () => {
    const updates = await run([[row(0, 101)], [row(0, 102)], [row(1, 103)]]);
    const closed = updates.filter((update) => update.closed);
    expect(closed).toHaveLength(1);
    expect(closed[0]!.candle).toMatchObject({ openTime: T0, close: 102 });
  });

  it('does not close a candle seen before a reconnect: its final state may have been missed', async () => {
    const updates = await run([
      [row(0, 101)],
      new Error('socket closed'),
      [row(3, 104)],
      [row(4, 105)],
    ]);
    const closed = updates.filter((update) => update.closed);
    expect(closed.map((update) => update.candle.openTime)).toEqual([T0 + 3 * MINUTE_MS]);
  });
});
