import type { Candle } from '../../market-data/candle';
import {
  buildDataset,
  chronologicalSplit,
  latestWindow,
  purge,
  StandardScaler,
  walkForwardFolds,
} from './dataset';
import { evaluate, metricsOf, normalCdf } from './evaluation';
import { DEFAULT_FEATURES } from './feature-spec';
import { HOUR_MS } from '../../simulator/candle-series.fixtures';
import { CANDLES, tinyDataset } from './lstm-model.fixtures';
import { ModelParamsError, resolveModelParams } from './model-params';

describe('model parameters', () => {
  it('fill defaults and refuse bad or unknown ones, naming each', () => {
    expect(resolveModelParams()).toMatchObject({
      layers: 1,
      units: 32,
      lookback: 24,
      horizon: 1,
      epochs: 30,
    });
    try {
      resolveModelParams({ units: 0, lookback: 8.5, dropout: 'x' as unknown as number, colour: 1 });
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ModelParamsError);
      expect((error as ModelParamsError).problems.map((p) => p.field).sort()).toEqual([
        'params.colour',
        'params.dropout',
        'params.lookback',
        'params.units',
      ]);
    }
  });
});

describe('metrics', () => {
  const sample = (close: number, targetClose: number) => ({
    end: 0,
    openTime: 0,
    close,
    targetClose,
    target: Math.log(targetClose / close),
  });

  it('are the close-price errors of the predicted returns, computed by hand', () => {
    const samples = [sample(100, 110), sample(200, 190), sample(50, 50)];
    const predicted = [Math.log(1.05), Math.log(0.9), 0.01];
    // Predicted closes 105, 180, 50.50249...; errors -5, -10, +0.50249.
    const errors = [5, 10, 50 * Math.exp(0.01) - 50];
    const metrics = metricsOf(samples, predicted);
    expect(metrics.mae).toBeCloseTo((errors[0]! + errors[1]! + errors[2]!) / 3, 10);
    expect(metrics.rmse).toBeCloseTo(Math.sqrt((25 + 100 + errors[2]! ** 2) / 3), 10);
    expect(metrics.mape).toBeCloseTo(((5 / 110 + 10 / 190 + errors[2]! / 50) / 3) * 100, 10);
    // Two candles moved; both directions right.
    expect(metrics.directionalAccuracy).toBe(1);
    const all = evaluate({
      test: samples,
      predictedReturns: predicted,
      trainReturns: [0.02, -0.01],
    });
    expect(all.persistence.mae).toBeCloseTo((10 + 10 + 0) / 3, 10);
    expect(all.persistence.directionalAccuracy).toBeNull();
    expect(all.drift.mae).toBeCloseTo(
      (Math.abs(100 * Math.exp(0.005) - 110) +
        Math.abs(200 * Math.exp(0.005) - 190) +
        Math.abs(50 * Math.exp(0.005) - 50)) /
        3,
      10,
    );
    expect(normalCdf(0)).toBeCloseTo(0.5, 7);
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 3);
  });
});

describe('dataset', () => {
  it('drops windows that cross a gap in the candles', () => {
    const withGap = CANDLES.filter((_, i) => i !== 500);
    const full = tinyDataset();
    const gapped = tinyDataset({ candles: withGap });
    const gapTime = CANDLES[500]!.openTime;
    // No window (and its target) spans the missing hour.
    for (const s of gapped.samples) {
      expect(s.openTime - 8 * HOUR_MS < gapTime && s.openTime + HOUR_MS > gapTime).toBe(false);
    }
    expect(gapped.samples.length).toBeLessThan(full.samples.length - 8);
  });

  it('gives the live path the same last window as the full dataset, and none across a gap', () => {
    const spec = { intervalMs: HOUR_MS, features: DEFAULT_FEATURES, lookback: 8 };
    for (const end of [600, 700, CANDLES.length]) {
      const candles = CANDLES.slice(0, end);
      const full = buildDataset({ ...spec, candles, horizon: 0 });
      const live = latestWindow({ ...spec, candles })!;
      expect(live.sample).toEqual(full.samples[full.samples.length - 1]);
      for (let i = end - 8; i < end; i++) {
        expect(live.dataset.rows[i]).toEqual(full.rows[i]);
      }
    }
    const withGap = CANDLES.slice(0, 700).filter((_, i) => i !== 695);
    expect(latestWindow({ ...spec, candles: withGap })).toBeUndefined();
    expect(latestWindow({ ...spec, candles: CANDLES.slice(0, 5) })).toBeUndefined();
  });

  it('has no look-ahead: changing candles after a window leaves its features and target alone', () => {
    const cut = 700;
    const changed: Candle[] = CANDLES.map((candle, i) =>
      i > cut + 1
        ? {
            ...candle,
            close: candle.close * 1.5,
            high: candle.high * 1.5,
            volume: candle.volume * 9,
          }
        : candle,
    );
    const a = tinyDataset();
    const b = tinyDataset({ candles: changed });
    for (let i = 0; i <= cut; i++) {
      expect(b.rows[i]).toEqual(a.rows[i]);
    }
    const before = (d: typeof a) => d.samples.filter((s) => s.end + 1 <= cut + 1);
    expect(before(b)).toEqual(before(a));
  });

  it('fits the scaler on training rows only, and purges training targets that reach into the test', () => {
    const dataset = tinyDataset({ horizon: 3 });
    const { train, test } = chronologicalSplit(dataset.samples, 0.8);
    const purged = purge(train, test, 3);
    expect(purged.every((s) => s.end + 3 <= test[0]!.end)).toBe(true);
    const scaler = StandardScaler.fit(dataset, purged);
    const lastTrainRow = purged[purged.length - 1]!.end;
    const tampered = {
      ...dataset,
      rows: dataset.rows.map((row, i) =>
        i > lastTrainRow && row ? row.map((v) => v * 1000) : row,
      ),
    };
    expect(StandardScaler.fit(tampered, purged).state).toEqual(scaler.state);
    const folds = walkForwardFolds(dataset.samples, { folds: 3, minTrainFraction: 0.5 });
    expect(folds).toHaveLength(3);
    expect(folds.every((fold) => fold.train[fold.train.length - 1]!.end < fold.test[0]!.end)).toBe(
      true,
    );
  });
});
