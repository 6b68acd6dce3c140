import type { Candle } from '../market-data/candle';
import { readCandleCsv } from './candle-series';
import type { SimulatedMarket } from './exchange-simulator';

export interface SimulatedMarketsSpec {
  /** Base assets: `BTC,ETH`. */
  bases: readonly string[];
  quote: string;
  intervals: readonly string[];
  /** Generated markets start here (epoch ms). */
  origin: number;
  seed: string;
  /** Trend persistence of generated markets (see `GeneratedMarketOptions.momentum`). */
  momentum?: number;
  /** `BTCUSDT:1h:path/to.csv`: replay this file for that market and interval instead of generating. */
  replays?: readonly string[];
}

/** The markets a simulator serves: generated from a seed, except where a file is replayed. */
export function simulatedMarkets(spec: SimulatedMarketsSpec): SimulatedMarket[] {
  const replayed = new Map<string, Map<string, readonly Candle[]>>();
  for (const replay of spec.replays ?? []) {
    const [pair, interval, ...pathParts] = replay.split(':');
    const path = pathParts.join(':');
    if (!pair || !interval || !path) {
      throw new Error(
        `--replay ${replay}: expected PAIR:INTERVAL:PATH, e.g. BTCUSDT:1h:data/BTCUSDT-1h.csv`,
      );
    }
    const byInterval = replayed.get(pair.toUpperCase()) ?? new Map<string, readonly Candle[]>();
    byInterval.set(interval, readCandleCsv(path));
    replayed.set(pair.toUpperCase(), byInterval);
  }
  const markets: SimulatedMarket[] = spec.bases.map((base) => ({
    symbol: `${base}${spec.quote}`,
    baseAsset: base,
    quoteAsset: spec.quote,
    intervals: spec.intervals.filter(
      (interval) => !replayed.get(`${base}${spec.quote}`)?.has(interval),
    ),
    source: {
      kind: 'generated',
      origin: spec.origin,
      seed: `${spec.seed}:${base}`,
      momentum: spec.momentum,
    },
  }));
  for (const [pair, byInterval] of replayed) {
    for (const [interval, candles] of byInterval) {
      markets.push({
        symbol: pair,
        baseAsset: pair.replace(new RegExp(`${spec.quote}$`), ''),
        quoteAsset: spec.quote,
        intervals: [interval],
        source: { kind: 'replay', candles },
      });
    }
  }
  return markets;
}
