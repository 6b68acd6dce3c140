import type { Candle } from '../market-data/candle';
import { partialCandle, type CandleSeries } from './candle-series';
import { seededRandom, type SeededRandom } from './seeded-random';

const MINUTE_MS = 60_000;
const MINUTES_PER_YEAR = 525_600;

export interface GeneratedMarketOptions {
  /** Same seed and options, same candles, on every machine. */
  seed: string;
  /** First minute of trading (rounded down to a whole day so every interval starts on its grid). */
  origin: number;
  startPrice: number;
  /** Decimal places of the price tick (BTC 2, ADA 4). */
  priceDecimals: number;
  /** Decimal places of the quantity step. */
  volumeDecimals?: number;
  /** Mean base-asset volume of one 1m candle. */
  meanMinuteVolume: number;
  /** Long-run annualised volatility of returns (0.6 = 60%). */
  annualVolatility?: number;
  /** GARCH(1,1) reaction to the last shock and persistence; alpha + beta < 1. */
  garchAlpha?: number;
  garchBeta?: number;
  /**
   * Trend persistence: each minute's expected log return is this times the mean return of the
   * previous 60 minutes, so hourly returns autocorrelate by about this much. Real markets: ~0. The
   * demo sets a little so its models have something to find (and beat persistence).
   */
  momentum?: number;
}

/** Default generator settings per base asset, near each coin's real scale. */
const GENERATED_DEFAULTS: Record<string, Omit<GeneratedMarketOptions, 'seed' | 'origin'>> = {
  BTC: {
    startPrice: 30_000,
    priceDecimals: 2,
    volumeDecimals: 5,
    meanMinuteVolume: 40,
    annualVolatility: 0.6,
  },
  ETH: {
    startPrice: 2_000,
    priceDecimals: 2,
    volumeDecimals: 4,
    meanMinuteVolume: 400,
    annualVolatility: 0.75,
  },
  SOL: {
    startPrice: 100,
    priceDecimals: 2,
    volumeDecimals: 3,
    meanMinuteVolume: 5_000,
    annualVolatility: 1.0,
  },
  ADA: {
    startPrice: 0.5,
    priceDecimals: 4,
    volumeDecimals: 1,
    meanMinuteVolume: 500_000,
    annualVolatility: 0.9,
  },
};

export function generatedDefaults(base: string): Omit<GeneratedMarketOptions, 'seed' | 'origin'> {
  return (
    GENERATED_DEFAULTS[base] ?? {
      startPrice: 10,
      priceDecimals: 4,
      volumeDecimals: 2,
      meanMinuteVolume: 10_000,
      annualVolatility: 0.9,
    }
  );
}

/**
 * A seeded 1-minute price path with volatility clustering: log returns follow GARCH(1,1) with
 * Student-t(5) shocks, volume rises with volatility, wicks scale with it. Prices and quantities are
 * kept as integers of the tick and step, so aggregated candles are exact sums, as on an exchange.
 * Minutes are generated on demand in order and kept (8 numbers a minute).
 */
export class GeneratedMarket {
  readonly origin: number;
  private readonly random: SeededRandom;
  private readonly priceScale: number;
  private readonly volumeScale: number;
  private readonly omega: number;
  private readonly alpha: number;
  private readonly beta: number;
  private readonly minuteVariance: number;
  private readonly meanVolumeUnits: number;
  private lastCloseTicks: number;
  private variance: number;
  private lastReturn = 0;
  private readonly recentReturns = new Float64Array(60);
  private recentSum = 0;
  // Columns of the minute candles, integers of tick / step (trades: count).
  private readonly open: number[] = [];
  private readonly high: number[] = [];
  private readonly low: number[] = [];
  private readonly close: number[] = [];
  private readonly volume: number[] = [];
  private readonly quoteVolume: number[] = [];
  private readonly trades: number[] = [];
  private readonly takerBuy: number[] = [];

  constructor(private readonly options: GeneratedMarketOptions) {
    this.origin = Math.floor(options.origin / 86_400_000) * 86_400_000;
    this.random = seededRandom(options.seed);
    this.priceScale = 10 ** options.priceDecimals;
    this.volumeScale = 10 ** (options.volumeDecimals ?? 5);
    this.alpha = options.garchAlpha ?? 0.06;
    this.beta = options.garchBeta ?? 0.92;
    this.minuteVariance = (options.annualVolatility ?? 0.6) ** 2 / MINUTES_PER_YEAR;
    this.omega = this.minuteVariance * (1 - this.alpha - this.beta);
    this.variance = this.minuteVariance;
    this.meanVolumeUnits = options.meanMinuteVolume * this.volumeScale;
    this.lastCloseTicks = Math.round(options.startPrice * this.priceScale);
  }

  get priceDecimals(): number {
    return this.options.priceDecimals;
  }

  /** The final 1m candle with index `minute` (0 = origin). */
  minute(minute: number): Candle {
    this.generateUpTo(minute);
    return this.aggregate(minute, 1);
  }

  /** The candle made of `count` whole minutes from index `first` (the exchange's own aggregation). */
  aggregate(first: number, count: number): Candle {
    this.generateUpTo(first + count - 1);
    let high = -Infinity;
    let low = Infinity;
    let volume = 0;
    let quoteVolume = 0;
    let trades = 0;
    let takerBuy = 0;
    for (let i = first; i < first + count; i++) {
      high = Math.max(high, this.high[i]!);
      low = Math.min(low, this.low[i]!);
      volume += this.volume[i]!;
      quoteVolume += this.quoteVolume[i]!;
      trades += this.trades[i]!;
      takerBuy += this.takerBuy[i]!;
    }
    const price = (ticks: number) => ticks / this.priceScale;
    const quantity = (units: number) => units / this.volumeScale;
    const closeTicks = this.close[first + count - 1]!;
    const lastClose = price(closeTicks);
    return {
      openTime: this.origin + first * MINUTE_MS,
      open: price(this.open[first]!),
      high: price(high),
      low: price(low),
      close: lastClose,
      volume: quantity(volume),
      quoteVolume: Number((quoteVolume / this.volumeScale / this.priceScale).toFixed(8)),
      tradeCount: trades,
      takerBuyBaseVolume: quantity(takerBuy),
      takerBuyQuoteVolume: Number(((takerBuy / this.volumeScale) * lastClose).toFixed(8)),
    };
  }

  private generateUpTo(minute: number): void {
    while (this.close.length <= minute) {
      this.generateMinute();
    }
  }

  private generateMinute(): void {
    const random = this.random;
    this.variance = this.omega + this.alpha * this.lastReturn ** 2 + this.beta * this.variance;
    const sigma = Math.sqrt(this.variance);
    const trend = ((this.options.momentum ?? 0) * this.recentSum) / this.recentReturns.length;
    const shock = sigma * random.studentT(5);
    const logReturn = trend + shock;
    this.lastReturn = shock;
    const slot = this.close.length % this.recentReturns.length;
    this.recentSum += logReturn - this.recentReturns[slot]!;
    this.recentReturns[slot] = logReturn;
    const openTicks = this.lastCloseTicks;
    const closeTicks = Math.max(1, Math.round(openTicks * Math.exp(logReturn)));
    const wick = () => Math.abs(random.normal()) * sigma * 0.6;
    const highTicks = Math.ceil(Math.max(openTicks, closeTicks) * Math.exp(wick()));
    const lowTicks = Math.max(1, Math.floor(Math.min(openTicks, closeTicks) * Math.exp(-wick())));
    // Volume follows volatility: calm minutes trade less, turbulent ones much more.
    const activity = Math.sqrt(this.variance / this.minuteVariance) * (0.4 + 1.2 * random.next());
    const volumeUnits = Math.max(1, Math.round(this.meanVolumeUnits * activity));
    const typicalTicks = (highTicks + lowTicks + closeTicks) / 3;
    this.open.push(openTicks);
    this.high.push(highTicks);
    this.low.push(lowTicks);
    this.close.push(closeTicks);
    this.volume.push(volumeUnits);
    this.quoteVolume.push(Math.round(volumeUnits * typicalTicks));
    this.trades.push(
      Math.max(1, Math.round((volumeUnits / this.meanVolumeUnits) * 300 * (0.5 + random.next()))),
    );
    this.takerBuy.push(Math.round(volumeUnits * (0.35 + 0.3 * random.next())));
    this.lastCloseTicks = closeTicks;
  }
}

/** One interval of a generated market: whole minutes aggregated, the forming one revealed gradually. */
export class GeneratedSeries implements CandleSeries {
  private readonly minutesPerCandle: number;

  constructor(
    private readonly market: GeneratedMarket,
    readonly intervalMs: number,
  ) {
    this.minutesPerCandle = intervalMs / MINUTE_MS;
    if (!Number.isInteger(this.minutesPerCandle) || this.minutesPerCandle < 1) {
      throw new Error(
        `A generated market needs an interval of whole minutes, not ${intervalMs} ms`,
      );
    }
  }

  get firstOpenTime(): number {
    return this.market.origin;
  }

  range(params: {
    from: number;
    to: number;
    now: number;
    limit: number;
    fromEnd: boolean;
  }): Candle[] {
    const step = this.intervalMs;
    const first = Math.max(this.market.origin, Math.ceil(params.from / step) * step);
    const last = Math.floor(Math.min(params.to, params.now) / step) * step;
    if (last < first) {
      return [];
    }
    const count = Math.min(params.limit, (last - first) / step + 1);
    const start = params.fromEnd ? last - (count - 1) * step : first;
    const candles: Candle[] = [];
    for (let i = 0; i < count; i++) {
      const candle = this.at(start + i * step, params.now);
      if (candle) {
        candles.push(candle);
      }
    }
    return candles;
  }

  at(openTime: number, now: number): Candle | undefined {
    const origin = this.market.origin;
    if (openTime < origin || openTime > now || openTime % this.intervalMs !== 0) {
      return undefined;
    }
    const firstMinute = (openTime - origin) / MINUTE_MS;
    if (openTime + this.intervalMs <= now) {
      return this.market.aggregate(firstMinute, this.minutesPerCandle);
    }
    // Forming: the whole minutes so far, then the current minute part of the way through.
    const elapsedMinutes = Math.floor((now - openTime) / MINUTE_MS);
    const current = partialCandle(
      this.market.minute(firstMinute + elapsedMinutes),
      (now - openTime - elapsedMinutes * MINUTE_MS) / MINUTE_MS,
      this.market.priceDecimals,
    );
    if (elapsedMinutes === 0) {
      return current;
    }
    const done = this.market.aggregate(firstMinute, elapsedMinutes);
    const sum = (a: number | null, b: number | null) =>
      a === null || b === null ? null : Number((a + b).toFixed(8));
    return {
      openTime,
      open: done.open,
      high: Math.max(done.high, current.high),
      low: Math.min(done.low, current.low),
      close: current.close,
      volume: sum(done.volume, current.volume) ?? 0,
      quoteVolume: sum(done.quoteVolume, current.quoteVolume),
      tradeCount: (done.tradeCount ?? 0) + (current.tradeCount ?? 0),
      takerBuyBaseVolume: sum(done.takerBuyBaseVolume, current.takerBuyBaseVolume),
      takerBuyQuoteVolume: sum(done.takerBuyQuoteVolume, current.takerBuyQuoteVolume),
    };
  }
}
