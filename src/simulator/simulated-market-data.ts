import type { Candle } from '../market-data/candle';
import { intervalMs } from '../market-data/market-catalogue';
import { ReplaySeries, type CandleSeries } from './candle-series';
import {
  GeneratedMarket,
  GeneratedSeries,
  generatedDefaults,
  type GeneratedMarketOptions,
} from './generated-series';

/** Where a simulated market's candles come from. */
type SimulatedSource =
  | { kind: 'replay'; candles: readonly Candle[] }
  | ({ kind: 'generated' } & Partial<Omit<GeneratedMarketOptions, 'origin'>> & { origin: number });

export interface SimulatedMarket {
  /** The exchange pair, `BTCUSDT`. */
  symbol: string;
  baseAsset: string;
  quoteAsset: string;
  intervals: readonly string[];
  source: SimulatedSource;
  /** Binance's symbol status (`TRADING`, `BREAK`, `HALT`, ...); default `TRADING`. */
  status?: string;
  /**
   * 24 h traded volume in the quote asset that `/api/v3/ticker/24hr` reports (its prices are then
   * the market's first price, answered without generating candles); default: the sums over the
   * candles of the last 24 h.
   */
  quoteVolume24h?: number;
}

/** The simulator's markets and the candle series of each market and interval. */
export class SimulatedMarketData {
  private readonly markets = new Map<string, SimulatedMarket>();
  private readonly series = new Map<string, CandleSeries>();

  /** Adds a market with every interval it trades. */
  add(market: SimulatedMarket): void {
    this.markets.set(market.symbol, market);
    const source = market.source;
    const generated =
      source.kind === 'generated'
        ? new GeneratedMarket({
            ...generatedDefaults(market.baseAsset),
            ...source,
            seed: source.seed ?? market.symbol,
          })
        : undefined;
    for (const interval of market.intervals) {
      const stepMs = intervalMs(interval);
      this.series.set(
        `${market.symbol}:${interval}`,
        generated
          ? new GeneratedSeries(generated, stepMs)
          : new ReplaySeries(stepMs, source.kind === 'replay' ? source.candles : []),
      );
    }
  }

  /** Sets (replaces) the recorded history of one market and interval. */
  load(symbol: string, interval: string, candles: readonly Candle[]): void {
    const base = symbol.replace(/USDT$|USD$|BUSD$/, '');
    const existing = this.markets.get(symbol);
    this.markets.set(symbol, {
      symbol,
      baseAsset: existing?.baseAsset ?? base,
      quoteAsset: existing?.quoteAsset ?? symbol.slice(base.length),
      intervals: [...new Set([...(existing?.intervals ?? []), interval])],
      source: { kind: 'replay', candles: [] },
    });
    this.series.set(`${symbol}:${interval}`, new ReplaySeries(intervalMs(interval), candles));
  }

  /** Adds a candle to a replayed history (as the exchange records it once it closes). */
  append(symbol: string, interval: string, candle: Candle): void {
    const series = this.series.get(`${symbol}:${interval}`);
    if (!(series instanceof ReplaySeries)) {
      throw new Error(`${symbol} ${interval} is not a replayed market`);
    }
    series.put(candle);
  }

  seriesOf(symbol: string, interval: string): CandleSeries | undefined {
    return this.series.get(`${symbol}:${interval}`);
  }

  has(symbol: string): boolean {
    return this.markets.has(symbol);
  }

  /** Every market, as configured. */
  list(): SimulatedMarket[] {
    return [...this.markets.values()];
  }

  /** The markets named (all without names); undefined when one is unknown. */
  select(names: readonly string[] | undefined): SimulatedMarket[] | undefined {
    if (names === undefined) {
      return this.list();
    }
    const markets = names.map((name) => this.markets.get(name));
    return markets.every((market) => market !== undefined) ? markets : undefined;
  }

  /** The market's candles of the last 24 h, from its longest interval. */
  lastDay(market: SimulatedMarket, now: number): Candle[] {
    const interval = [...market.intervals].sort((a, b) => intervalMs(b) - intervalMs(a))[0];
    const series = interval === undefined ? undefined : this.seriesOf(market.symbol, interval);
    if (!series) {
      return [];
    }
    return series.range({
      from: now - 86_400_000,
      to: now,
      now,
      limit: Math.ceil(86_400_000 / series.intervalMs) + 1,
      fromEnd: false,
    });
  }

  /** A flat candle at the market's first price, for a ticker whose volume is set. */
  startOf(market: SimulatedMarket): Candle[] {
    const source = market.source;
    const price =
      source.kind === 'replay'
        ? (source.candles[source.candles.length - 1]?.close ?? 0)
        : (source.startPrice ?? generatedDefaults(market.baseAsset).startPrice);
    return [
      {
        openTime: 0,
        open: price,
        high: price,
        low: price,
        close: price,
        volume: 0,
        quoteVolume: market.quoteVolume24h ?? 0,
        tradeCount: 0,
        takerBuyBaseVolume: 0,
        takerBuyQuoteVolume: 0,
      },
    ];
  }
}
