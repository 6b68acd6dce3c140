import { candleProblem, type Candle } from '../market-data/candle';
import { GeneratedMarket, GeneratedSeries, generatedDefaults } from './generated-series';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const ORIGIN = Date.UTC(2024, 0, 1);

function market(seed = 'spec') {
  return new GeneratedMarket({ ...generatedDefaults('BTC'), seed, origin: ORIGIN });
}

describe('generated candles', () => {
  const now = ORIGIN + 60 * 24 * HOUR_MS;

  it('are the same for the same seed and differ for another', () => {
    const a = new GeneratedSeries(market(), MINUTE_MS).range({
      from: ORIGIN,
      to: now,
      now,
      limit: 500,
      fromEnd: false,
    });
    const b = new GeneratedSeries(market(), MINUTE_MS).range({
      from: ORIGIN,
      to: now,
      now,
      limit: 500,
      fromEnd: false,
    });
    const c = new GeneratedSeries(market('other'), MINUTE_MS).range({
      from: ORIGIN,
      to: now,
      now,
      limit: 500,
      fromEnd: false,
    });
    expect(a).toEqual(b);
    expect(a.map((candle) => candle.close)).not.toEqual(c.map((candle) => candle.close));
  });

  it('are valid candles on the grid, each opening at the previous close, with prices on the tick', () => {
    const candles = new GeneratedSeries(market(), MINUTE_MS).range({
      from: ORIGIN,
      to: now,
      now,
      limit: 1000,
      fromEnd: false,
    });
    expect(candles).toHaveLength(1000);
    candles.forEach((candle, i) => {
      expect(candleProblem(candle, MINUTE_MS)).toBeUndefined();
      expect(candle.openTime).toBe(ORIGIN + i * MINUTE_MS);
      expect(Number(candle.close.toFixed(2))).toBe(candle.close);
      if (i > 0) {
        expect(candle.open).toBe(candles[i - 1]!.close);
      }
    });
  });

  it('aggregate 1h candles exactly from the 1m ones', () => {
    const source = market();
    const minutes = new GeneratedSeries(source, MINUTE_MS);
    const hours = new GeneratedSeries(source, HOUR_MS);
    const hour = hours.at(ORIGIN + 5 * HOUR_MS, now)!;
    const parts = minutes.range({
      from: ORIGIN + 5 * HOUR_MS,
      to: ORIGIN + 6 * HOUR_MS - 1,
      now,
      limit: 1000,
      fromEnd: false,
    });
    expect(parts).toHaveLength(60);
    expect(hour.open).toBe(parts[0]!.open);
    expect(hour.close).toBe(parts[59]!.close);
    expect(hour.high).toBe(Math.max(...parts.map((p) => p.high)));
    expect(hour.low).toBe(Math.min(...parts.map((p) => p.low)));
    const volume = parts.reduce((sum, p) => sum + p.volume, 0);
    expect(hour.volume).toBeCloseTo(volume, 6);
    expect(hour.tradeCount).toBe(parts.reduce((sum, p) => sum + p.tradeCount!, 0));
  });

  it('cluster volatility: large moves follow large moves (GARCH), with fat tails', () => {
    const series = new GeneratedSeries(market(), MINUTE_MS);
    const all: Candle[] = [];
    for (let from = ORIGIN; all.length < 20_000; from += 1000 * MINUTE_MS) {
      all.push(...series.range({ from, to: now, now, limit: 1000, fromEnd: false }));
    }
    const returns = all.slice(1).map((candle, i) => Math.log(candle.close / all[i]!.close));
    const squared = returns.map((r) => r * r);
    const mean = squared.reduce((a, b) => a + b, 0) / squared.length;
    let numerator = 0;
    let denominator = 0;
    for (let i = 0; i < squared.length; i++) {
      denominator += (squared[i]! - mean) ** 2;
      if (i > 0) {
        numerator += (squared[i]! - mean) * (squared[i - 1]! - mean);
      }
    }
    // Autocorrelation of squared returns is ~0 for i.i.d. returns (|rho| < 0.02 at this n).
    expect(numerator / denominator).toBeGreaterThan(0.05);
    const variance = returns.reduce((a, r) => a + r * r, 0) / returns.length;
    const kurtosis = returns.reduce((a, r) => a + r ** 4, 0) / returns.length / variance ** 2;
    expect(kurtosis).toBeGreaterThan(3.5);
    // Annualised volatility near the configured 60%.
    const annualised = Math.sqrt(variance * 525_600);
    expect(annualised).toBeGreaterThan(0.35);
    expect(annualised).toBeLessThan(0.9);
  });

  it('reveal the forming candle gradually and never beyond its final values', () => {
    const source = market();
    const hours = new GeneratedSeries(source, HOUR_MS);
    const openTime = ORIGIN + 10 * HOUR_MS;
    const final = hours.at(openTime, now)!;
    const halfway = hours.at(openTime, openTime + 30.5 * MINUTE_MS)!;
    expect(halfway.open).toBe(final.open);
    expect(halfway.high).toBeLessThanOrEqual(final.high);
    expect(halfway.low).toBeGreaterThanOrEqual(final.low);
    expect(halfway.volume).toBeLessThan(final.volume);
    expect(hours.at(openTime + HOUR_MS, openTime + 30 * MINUTE_MS)).toBeUndefined();
    const page = hours.range({
      from: openTime - 2 * HOUR_MS,
      to: now,
      now: openTime + 30 * MINUTE_MS,
      limit: 10,
      fromEnd: false,
    });
    expect(page.map((candle) => candle.openTime)).toEqual([
      openTime - 2 * HOUR_MS,
      openTime - HOUR_MS,
      openTime,
    ]);
  });
});
