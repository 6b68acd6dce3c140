import type { Dataset, Sample } from './dataset';
import type { FeatureName } from './feature-spec';
import { resolveModelParams } from './model-params';
import { trainModel } from './model-training';
import { predictBatch, predictOne } from './trained-model';
import { fitRidge, RidgePredictor, solveCholesky } from './ridge-model';
import { loadTensorFlow } from './tf-backend';
import { seededRandom } from '../../common/seeded-random';

describe('ridge regression', () => {
  it('solves a toy problem as numpy does (centred, unpenalised intercept)', () => {
    // /usr/bin/python3 -c "import numpy as np; X=np.array([[1.,2.],[3.,5.],[4.,1.]]); y=np.array([1.,2.,4.]); m=X.mean(0); w=np.linalg.solve((X-m).T@(X-m)+0.5*np.eye(2),(X-m).T@(y-y.mean())); print(w.tolist(), y.mean()-m@w)"
    // [0.8218694885361554, -0.2610229276895943] 0.8377425044091709
    const fit = fitRidge({ x: [1, 2, 3, 5, 4, 1], y: [1, 2, 4], rows: 3, columns: 2, l2: 0.5 });
    expect(fit.weights[0]).toBeCloseTo(0.8218694885361554, 13);
    expect(fit.weights[1]).toBeCloseTo(-0.2610229276895943, 13);
    expect(fit.intercept).toBeCloseTo(0.8377425044091709, 13);
  });

  it('solves a positive definite system by Cholesky, and refuses a singular one', () => {
    // /usr/bin/python3 -c "import numpy as np; print(np.linalg.solve(np.array([[4.,2.,0.6],[2.,5.,1.],[0.6,1.,3.]]),np.array([1.,-2.,0.5])).tolist())"
    // [0.5448430493273543, -0.6744394618834081, 0.2825112107623318]
    const a = Float64Array.from([4, 2, 0.6, 2, 5, 1, 0.6, 1, 3]);
    const x = solveCholesky(a, Float64Array.from([1, -2, 0.5]), 3);
    [0.5448430493273543, -0.6744394618834081, 0.2825112107623318].forEach((expected, i) =>
      expect(x[i]).toBeCloseTo(expected, 13),
    );
    // Two equal columns and no penalty: no unique solution.
    expect(() =>
      fitRidge({ x: [1, 1, 2, 2, 4, 4], y: [1, 2, 3], rows: 3, columns: 2, l2: 0 }),
    ).toThrow(RangeError);
    expect(
      fitRidge({ x: [1, 1, 2, 2, 4, 4], y: [1, 2, 3], rows: 3, columns: 2, l2: 1e-3 }).weights,
    ).toHaveLength(2);
  });

  it('recovers a target that is a linear function of the window, through trainModel', async () => {
    const { tf } = await loadTensorFlow();
    const features: FeatureName[] = ['logReturn', 'rsi', 'volumeZScore'];
    const lookback = 4;
    const next = seededRandom(42);
    const count = 600;
    // Rows on different scales and offsets: the scaler's affine map keeps the target linear.
    const rows = Array.from({ length: count }, () =>
      Float64Array.from([next() * 0.02 - 0.01, 30 + next() * 40, next() * 4 - 2]),
    );
    const weights = Array.from({ length: lookback * features.length }, () => next() - 0.5);
    const targetOf = (end: number) => {
      let value = 0.0015;
      for (let step = 0; step < lookback; step++) {
        const row = rows[end - lookback + 1 + step]!;
        for (let f = 0; f < features.length; f++) {
          value += weights[step * features.length + f]! * row[f]! * [1, 0.0001, 0.005][f]!;
        }
      }
      return value + (next() - 0.5) * 1e-9;
    };
    const samples: Sample[] = [];
    for (let end = lookback - 1; end < count; end++) {
      const target = targetOf(end);
      samples.push({
        end,
        openTime: end * 3_600_000,
        close: 100,
        targetClose: 100 * Math.exp(target),
        target,
      });
    }
    const dataset: Dataset = { features, lookback, horizon: 1, rows, samples };
    const train = samples.slice(0, 450);
    const test = samples.slice(450);
    const trained = await trainModel({
      tf,
      dataset,
      train,
      params: resolveModelParams({ lookback, l2: 0 }),
      kind: 'linear',
    });
    const predicted = predictBatch(tf, trained, dataset, test);
    // Windows go through float32 (the networks' input): ~1e-7 relative error per input.
    test.forEach((sample, i) => expect(Math.abs(predicted[i]! - sample.target)).toBeLessThan(1e-6));
    expect(predictOne(tf, trained, dataset, test[0]!)).toBe(predicted[0]);
    expect(trained.residualStd).toBeLessThan(1e-6);
  });

  it('stores its weights as little-endian Float64 bytes, read back exactly', async () => {
    const fit = { weights: Float64Array.from([0.1, -1 / 3, Math.PI]), intercept: -2e-17 };
    const saved = await new RidgePredictor(fit).save();
    expect(saved.manifest).toEqual({ format: 'ridge', inputs: 3 });
    expect(saved.weightData.readDoubleLE(8)).toBe(-1 / 3);
    const loaded = RidgePredictor.fromArtifact({ inputs: 3 }, saved.weightData);
    expect(loaded.fit).toEqual(fit);
    expect(() => RidgePredictor.fromArtifact({ inputs: 4 }, saved.weightData)).toThrow(/bytes/);
    const window = Float32Array.from([1, 2, 3]);
    expect(loaded.predictWindow(undefined, window)).toBe(
      -2e-17 + 0.1 * 1 + (-1 / 3) * 2 + Math.PI * 3,
    );
  });
});
