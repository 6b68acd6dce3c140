import type { Sample } from './dataset';

export interface Metrics {
  /** Mean absolute error of the predicted close. */
  mae: number;
  /** Mean absolute percentage error of the predicted close (%). */
  mape: number;
  /** Root mean squared error of the predicted close. */
  rmse: number;
  /** Share of candles that moved whose direction was predicted right; null when it predicts no direction. */
  directionalAccuracy: number | null;
  count: number;
}

export interface Evaluation {
  model: Metrics;
  /** Predicts no change. */
  persistence: Metrics;
  /** Predicts the mean training log return every time. */
  drift: Metrics;
  testFrom: number | null;
  testTo: number | null;
}

/** Close-price error metrics of predicted log returns against what happened, on the same samples. */
export function metricsOf(
  samples: readonly Pick<Sample, 'close' | 'targetClose' | 'target'>[],
  predictedReturns: readonly number[],
): Metrics {
  let absolute = 0;
  let percent = 0;
  let squared = 0;
  let moved = 0;
  let right = 0;
  let directional = false;
  samples.forEach((sample, i) => {
    const predicted = predictedReturns[i] ?? 0;
    const predictedClose = sample.close * Math.exp(predicted);
    const error = predictedClose - sample.targetClose;
    absolute += Math.abs(error);
    percent += Math.abs(error / sample.targetClose);
    squared += error * error;
    if (predicted !== 0) {
      directional = true;
    }
    if (sample.target !== 0) {
      moved++;
      if (Math.sign(predicted) === Math.sign(sample.target)) {
        right++;
      }
    }
  });
  const count = samples.length;
  return {
    mae: count ? absolute / count : Number.NaN,
    mape: count ? (percent / count) * 100 : Number.NaN,
    rmse: count ? Math.sqrt(squared / count) : Number.NaN,
    directionalAccuracy: directional && moved ? right / moved : null,
    count,
  };
}

/** The model and both baselines on the same test samples. */
export function evaluate(params: {
  test: readonly Sample[];
  predictedReturns: readonly number[];
  trainReturns: readonly number[];
}): Evaluation {
  const drift =
    params.trainReturns.reduce((a, b) => a + b, 0) / Math.max(1, params.trainReturns.length);
  return {
    model: metricsOf(params.test, params.predictedReturns),
    persistence: metricsOf(
      params.test,
      params.test.map(() => 0),
    ),
    drift: metricsOf(
      params.test,
      params.test.map(() => drift),
    ),
    testFrom: params.test[0]?.openTime ?? null,
    testTo: params.test[params.test.length - 1]?.openTime ?? null,
  };
}

/** Φ, the standard normal distribution function (Abramowitz-Stegun 7.1.26, error < 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const poly =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-((x * x) / 2));
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
