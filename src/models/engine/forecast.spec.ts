import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Candle } from '../../market-data/candle';
import { metricsOf } from './evaluation';
import { baselineForecast, rollingBaselineForecasts } from './baseline-forecast';
import {
  fitCalibration,
  horizonReturn,
  leastSquaresThroughOrigin,
  modelForecast,
  volatilitySeries,
  type PointPrediction,
} from './forecast-calibration';
import { baselineTrackRecord, scoreForecasts } from './forecast-scoring';
import { seededRandom } from '../../common/seeded-random';

const HOUR_MS = 3_600_000;

function gaussian(next: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
}

/** Candles whose one-candle log returns are `returns` (closes only matter here). */
function candlesOf(returns: readonly number[], start = 100): Candle[] {
  let close = start;
  const candles: Candle[] = [];
  for (let i = 0; i <= returns.length; i++) {
    if (i > 0) {
      close *= Math.exp(returns[i - 1]!);
    }
    candles.push({
      openTime: Date.UTC(2021, 0, 1) + i * HOUR_MS,
      open: close,
      high: close,
      low: close,
      close,
      volume: 1,
      quoteVolume: null,
      tradeCount: null,
      takerBuyBaseVolume: null,
      takerBuyQuoteVolume: null,
    });
  }
  return candles;
}

/** A random walk with volatility clustering (GARCH(1,1)-like), and pure-noise "predictions". */
function noiseSetup(seed: number, count: number) {
  const normal = gaussian(seededRandom(seed));
  const returns: number[] = [];
  let variance = 1e-4;
  for (let i = 0; i < count; i++) {
    const r = Math.sqrt(variance) * normal();
    returns.push(r);
    variance = 1e-6 + 0.08 * r * r + 0.9 * variance;
  }
  const candles = candlesOf(returns);
  // A model with no signal: predictions independent of everything, as large as the returns.
  const predictions: PointPrediction[] = [];
  for (let end = 50; end < candles.length - 30; end++) {
    predictions.push({ end, predicted: 0.01 * normal() });
  }
  return { candles, predictions, volatility: volatilitySeries(candles) };
}

describe('forecast calibration', () => {
  it('shrinks a pure-noise model to ~0, so its MAE is within 0.1% of persistence on new candles', () => {
    const { candles, predictions, volatility } = noiseSetup(7, 12_000);
    const cut = Math.floor(predictions.length * 0.7);
    const fitted = predictions.slice(0, cut);
    const test = predictions.slice(cut + 30);
    const calibration = fitCalibration({
      candles,
      intervalMs: HOUR_MS,
      volatility,
      points: fitted,
      horizons: [1, 4, 24],
      source: 'walk-forward',
    });
    for (const horizon of calibration.horizons) {
      expect(horizon.shrinkage).toBeLessThan(0.02 * horizon.horizon);
    }
    // On the test candles: the raw noise is much worse than persistence, the shrunk one is not.
    const h1 = calibration.horizons.find((h) => h.horizon === 1)!;
    const samples = test.map((point) => {
      const close = candles[point.end]!.close;
      const actual = horizonReturn(candles, HOUR_MS, point.end, 1)!;
      return { close, targetClose: close * Math.exp(actual), target: actual };
    });
    const raw = metricsOf(
      samples,
      test.map((p) => p.predicted),
    );
    const shrunk = metricsOf(
      samples,
      test.map((p) => p.predicted * h1.shrinkage),
    );
    const persistence = metricsOf(
      samples,
      test.map(() => 0),
    );
    expect(raw.mae).toBeGreaterThan(persistence.mae * 1.2);
    expect(Math.abs(shrunk.mae / persistence.mae - 1)).toBeLessThan(0.001);
  });

  it('keeps a real signal: the fitted weight recovers how much of the prediction comes true', () => {
    const next = seededRandom(11);
    const normal = gaussian(next);
    const signal: number[] = [];
    const returns: number[] = [];
    for (let i = 0; i < 6000; i++) {
      signal.push(0.004 * normal());
      // The next return is 0.5 x the signal known one candle before, plus noise.
      returns.push(0.5 * (signal[i - 1] ?? 0) + 0.004 * normal());
    }
    const candles = candlesOf(returns);
    // Candle `end` closes after returns[end - 1]; the next return, returns[end], carries
    // 0.5 x signal[end - 1], known at that close.
    const points = Array.from({ length: 5000 }, (_, i) => ({
      end: i + 100,
      predicted: signal[i + 99]!,
    }));
    const calibration = fitCalibration({
      candles,
      intervalMs: HOUR_MS,
      volatility: volatilitySeries(candles),
      points,
      horizons: [1, 4],
      source: 'validation',
    });
    const [h1, h4] = calibration.horizons;
    expect(h1!.shrinkage).toBeGreaterThan(0.44);
    expect(h1!.shrinkage).toBeLessThan(0.56);
    // Only the next return carries the signal, so four candles ahead the weight is the same.
    expect(h4!.shrinkage).toBeGreaterThan(0.3);
    expect(h4!.shrinkage).toBeLessThan(0.7);
  });

  it('gives 80% intervals that cover about 80% of new outcomes, and P(up) that is calibrated', () => {
    const { candles, predictions, volatility } = noiseSetup(3, 20_000);
    const cut = Math.floor(predictions.length / 2);
    const calibration = fitCalibration({
      candles,
      intervalMs: HOUR_MS,
      volatility,
      points: predictions.slice(0, cut),
      horizons: [1, 24],
      source: 'walk-forward',
    });
    const scores = scoreForecasts({
      candles,
      intervalMs: HOUR_MS,
      volatility,
      calibration,
      test: predictions.slice(cut + 30),
      trainEnds: predictions.slice(0, cut).map((p) => p.end),
    });
    for (const score of scores) {
      expect(score.band.model.coverage).toBeGreaterThan(0.76);
      expect(score.band.model.coverage).toBeLessThan(0.84);
      expect(score.band.empirical.coverage).toBeGreaterThan(0.7);
      expect(score.band.ewma.coverage).toBeGreaterThan(0.7);
      // No signal: P(up) is no better than the base rate, and not much worse.
      expect(score.probabilityUp.model.brier).toBeLessThan(
        score.probabilityUp.baseRate.brier * 1.01,
      );
      expect(score.point.versusPersistence.pValue).toBeGreaterThan(0);
      expect(score.point.versusPersistence.pValue).toBeLessThanOrEqual(1);
      expect(score.count).toBeGreaterThan(9000);
    }
  });

  it('makes a distribution whose median, quantiles, volatility and P(up) agree', () => {
    const { candles, predictions, volatility } = noiseSetup(5, 5000);
    const calibration = fitCalibration({
      candles,
      intervalMs: HOUR_MS,
      volatility,
      points: predictions,
      horizons: [4],
      source: 'walk-forward',
    });
    const h4 = calibration.horizons[0]!;
    const forecast = modelForecast({ ...h4, shrinkage: 0.5 }, 0.01, 0.02);
    expect(forecast.predictedReturn).toBeCloseTo(0.005, 12);
    expect(forecast.lower).toBeLessThan(forecast.median);
    expect(forecast.median).toBeLessThan(forecast.upper);
    // The spread scales with sigma * sqrt(h): 0.04 here, times the residuals' spread (~1).
    expect((forecast.upper - forecast.lower) / 0.04).toBeGreaterThan(2);
    expect((forecast.upper - forecast.lower) / 0.04).toBeLessThan(3);
    expect(forecast.volatility).toBeCloseTo(0.04 * h4.residualStd, 12);
    // A positive point forecast leans P(up) above one half, a negative one below.
    expect(forecast.probabilityUp).toBeGreaterThan(0.5);
    expect(modelForecast({ ...h4, shrinkage: 0.5 }, -0.01, 0.02).probabilityUp).toBeLessThan(0.5);
  });
});

describe('the shrinkage fit', () => {
  it("equals statsmodels' OLS through the origin with a Newey-West (HAC, h lags) standard error", () => {
    // scripts/fixtures/shrinkage-hac.py (statsmodels 0.13.5, cov_type HAC, no small-sample correction).
    const reference = JSON.parse(
      readFileSync(
        join(__dirname, '../../../test/fixtures/forecast-stats/shrinkage-hac.json'),
        'utf8',
      ),
    ) as {
      cases: {
        horizon: number;
        predicted: number[];
        actual: number[];
        fitted: number;
        standardError: number;
      }[];
    };
    expect(reference.cases).toHaveLength(3);
    for (const c of reference.cases) {
      const fit = leastSquaresThroughOrigin(
        c.predicted.map((predicted, i) => ({ predicted, actual: c.actual[i]! })),
        c.horizon,
      );
      expect(Math.abs(fit.fitted / c.fitted - 1)).toBeLessThan(1e-10);
      expect(Math.abs(fit.standardError / c.standardError - 1)).toBeLessThan(1e-10);
    }
  });
});

describe('the baseline forecast', () => {
  it('is persistence with the empirical quantiles and share of up moves of the last window', () => {
    // Ten one-candle returns repeating: -2%, -1%, 0, +1%, ... +7% (in log terms).
    const returns = Array.from({ length: 600 }, (_, i) => ((i % 10) - 2) / 100);
    const candles = candlesOf(returns);
    const volatility = volatilitySeries(candles);
    const forecast = baselineForecast({
      candles,
      intervalMs: HOUR_MS,
      volatility,
      end: candles.length - 1,
      horizon: 1,
      window: 100,
    })!;
    // The last 100 returns are ten of each value: R's quantile(type 7) of that set.
    expect(forecast.predictedReturn).toBe(0);
    expect(forecast.lower).toBeCloseTo(-0.011, 12); // quantile(rep(-2:7, 10) / 100, 0.1)
    expect(forecast.median).toBeCloseTo(0.025, 12);
    expect(forecast.upper).toBeCloseTo(0.061, 12);
    expect(forecast.probabilityUp).toBeCloseTo(0.7, 12);
    expect(forecast.volatility).toBeCloseTo(volatility[candles.length - 1]!, 12);
  });

  it('reads no return across a gap, and needs 30 of them', () => {
    const candles = candlesOf(Array.from({ length: 100 }, () => 0.01));
    expect(horizonReturn(candles, HOUR_MS, 10, 4)).toBeCloseTo(0.04, 12);
    const gappy = candles.filter((_, i) => i !== 12);
    expect(horizonReturn(gappy, HOUR_MS, 10, 4)).toBeNull();
    const volatility = volatilitySeries(candles.slice(0, 30));
    expect(
      baselineForecast({
        candles: candles.slice(0, 30),
        intervalMs: HOUR_MS,
        volatility,
        end: 29,
        horizon: 1,
      }),
    ).toBeUndefined();
  });
});

describe('rollingBaselineForecasts', () => {
  it('equals the baseline forecast made afresh at every candle, across gaps and ties', () => {
    const random = seededRandom(20261203);
    const normal = gaussian(random);
    // Returns rounded to a few values (ties in the window) and two gaps in the candles.
    const returns = Array.from({ length: 900 }, () => Math.round(normal() * 4) / 400);
    const candles = candlesOf(returns).filter((_, i) => i !== 300 && i !== 301 && i !== 650);
    const volatility = volatilitySeries(candles);
    for (const [horizon, window] of [
      [1, 500],
      [4, 500],
      [24, 120],
    ] as const) {
      const first = 20;
      const last = candles.length - 1;
      const rolling = rollingBaselineForecasts({
        candles,
        intervalMs: HOUR_MS,
        volatility,
        horizon,
        first,
        last,
        window,
      });
      expect(rolling).toHaveLength(last - first + 1);
      let defined = 0;
      for (let end = first; end <= last; end++) {
        const fresh = baselineForecast({
          candles,
          intervalMs: HOUR_MS,
          volatility,
          end,
          horizon,
          window,
        });
        expect(rolling[end - first]).toEqual(fresh);
        defined += fresh ? 1 : 0;
      }
      expect(defined).toBeGreaterThan(500);
    }
  });
});

describe('baselineTrackRecord', () => {
  it('scores its last forecasts, each from the candles before it, against the outcomes', () => {
    // Log returns alternating +1% and -1%: every window of past one-candle returns is half up,
    // half down, so the band is [-1%, +1%] (every outcome inside), P(up) about 0.5.
    const returns = Array.from({ length: 1200 }, (_, i) => (i % 2 === 0 ? 0.01 : -0.01));
    const candles = candlesOf(returns);
    const [record] = baselineTrackRecord({
      candles,
      intervalMs: HOUR_MS,
      horizons: [1],
      window: 300,
    });
    expect(record!.count).toBe(300);
    expect(record!.coverage).toBe(1);
    const ends = Array.from({ length: 300 }, (_, i) => candles.length - 2 - i);
    const mae =
      ends.reduce((sum, end) => sum + Math.abs(candles[end + 1]!.close - candles[end]!.close), 0) /
      300;
    expect(record!.mae).toBeCloseTo(mae, 10);
    // Each forecast's P(up) is the share of up moves in its 500 past returns (250 of 500).
    expect(record!.brier).toBeCloseTo(0.25, 10);
    expect(record!.baseRateBrier).toBeCloseTo(0.25, 2);
  });

  it('scores only forecasts whose outcome is known, never a candle past the last', () => {
    const candles = candlesOf(Array.from({ length: 100 }, (_, i) => Math.sin(i) * 0.01));
    const [h4] = baselineTrackRecord({ candles, intervalMs: HOUR_MS, horizons: [4], window: 500 });
    // Forecasts need 30 past 4-candle returns (from candle 33 on); the last scored one is at
    // candle 96, whose outcome is candle 100's close.
    expect(h4!.count).toBe(96 - 33 + 1);
  });
});
