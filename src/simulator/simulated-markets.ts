import type { Candle } from '../market-data/candle';
import { readCandleCsv } from './candle-series';
import type { SimulatedMarket } from './simulated-market-data';

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

export interface ManyMarketsSpec {
  /** Markets to list: bases `C0001`, `C0002`, ... */
  count: number;
  quote: string;
  intervals: readonly string[];
  /** Generated markets start here (epoch ms). */
  origin: number;
  seed: string;
  /** Every this many markets one is not trading (status `BREAK`); 0 (default): none. */
  notTradingEvery?: number;
  /** Every this many markets one traded only `lowQuoteVolume` in 24 h; 0 (default): none. */
  lowVolumeEvery?: number;
  /** 24 h quote volume of the low-volume markets (default 1,000). */
  lowQuoteVolume?: number;
}

/** The base asset of the `index`th (from 1) market of `manyMarkets`: `C0001`. */
function manyMarketsBase(index: number): string {
  return `C${String(index).padStart(4, '0')}`;
}

/**
 * N generated markets for scale tests and benchmarks, with Binance's listing details:
 * every `notTradingEvery`th is in `BREAK`, every `lowVolumeEvery`th still trading traded
 * only `lowQuoteVolume`; the others 1-50 million of the quote a day.
 */
export function manyMarkets(spec: ManyMarketsSpec): SimulatedMarket[] {
  return Array.from({ length: spec.count }, (_, offset) => {
    const index = offset + 1;
    const base = manyMarketsBase(index);
    const notTrading = spec.notTradingEvery ? index % spec.notTradingEvery === 0 : false;
    const lowVolume = spec.lowVolumeEvery ? index % spec.lowVolumeEvery === 0 : false;
    return {
      symbol: `${base}${spec.quote}`,
      baseAsset: base,
      quoteAsset: spec.quote,
      intervals: spec.intervals,
      status: notTrading ? 'BREAK' : 'TRADING',
      quoteVolume24h:
        lowVolume && !notTrading ? (spec.lowQuoteVolume ?? 1000) : 1_000_000 * (1 + (index % 50)),
      source: { kind: 'generated', origin: spec.origin, seed: `${spec.seed}:${base}` },
    };
  });
}
