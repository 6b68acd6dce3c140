import type { Candle } from '../../market-data/candle';
import type { FeatureName } from './feature-spec';
import { computeFeatures, type MarketCandles } from './features';

/** One training example: the window of feature rows ending at candle `end`, and what followed. */
export interface Sample {
  /** Index of the window's last candle. */
  end: number;
  /** Open time of the window's last candle (the candle the prediction is made at). */
  openTime: number;
  /** Close of the window's last candle. */
  close: number;
  /** Close `horizon` candles later. */
  targetClose: number;
  /** ln(targetClose / close). */
  target: number;
}

export interface Dataset {
  features: readonly FeatureName[];
  lookback: number;
  horizon: number;
  /** Feature rows (one per candle, in `features` order); null rows cannot be used. */
  rows: (Float64Array | null)[];
  samples: Sample[];
}

/**
 * Windows of `lookback` feature rows with the log return of the close `horizon` candles after the
 * window as target. A window is kept only when every row in it has every feature and the candles
 * from its first to its target are contiguous on the interval grid (no gap crossed).
 */
export function buildDataset(params: {
  candles: readonly Candle[];
  intervalMs: number;
  features: readonly FeatureName[];
  lookback: number;
  horizon: number;
  sentiment?: readonly (number | null)[];
  /** Other markets' candles, for `<BASE>/...` inputs. */
  markets?: MarketCandles;
}): Dataset {
  const { candles, intervalMs, lookback, horizon } = params;
  const columns = featureColumns(computeFeatures(params), params.features);
  const rows = candles.map((_, i) => featureRow(columns, i));
  // Length of the run of contiguous candles ending at each index, and of usable rows.
  const contiguous = new Int32Array(candles.length);
  const usable = new Int32Array(candles.length);
  for (let i = 0; i < candles.length; i++) {
    const joined = i > 0 && candles[i]!.openTime - candles[i - 1]!.openTime === intervalMs;
    contiguous[i] = joined ? contiguous[i - 1]! + 1 : 1;
    usable[i] = rows[i] ? (i > 0 ? usable[i - 1]! : 0) + 1 : 0;
  }
  const samples: Sample[] = [];
  for (let end = lookback - 1; end + horizon < candles.length; end++) {
    const target = end + horizon;
    if (usable[end]! < lookback || contiguous[target]! < lookback + horizon) {
      continue;
    }
    const close = candles[end]!.close;
    const targetClose = candles[target]!.close;
    samples.push({
      end,
      openTime: candles[end]!.openTime,
      close,
      targetClose,
      target: Math.log(targetClose / close),
    });
  }
  return { features: params.features, lookback, horizon, rows, samples };
}

/**
 * `buildDataset`'s last window, without target (horizon 0), for a live prediction: the same
 * features (computed over every candle, so indicators are seeded alike) but rows only for the
 * window's candles. Undefined when that window has a missing value or crosses a gap.
 */
export function latestWindow(params: {
  candles: readonly Candle[];
  intervalMs: number;
  features: readonly FeatureName[];
  lookback: number;
  sentiment?: readonly (number | null)[];
  markets?: MarketCandles;
}): { dataset: Dataset; sample: Sample } | undefined {
  const { candles, intervalMs, lookback } = params;
  const end = candles.length - 1;
  const first = end - lookback + 1;
  if (first < 0) {
    return undefined;
  }
  const columns = featureColumns(computeFeatures(params), params.features);
  const rows = new Array<Float64Array | null>(candles.length).fill(null);
  for (let i = first; i <= end; i++) {
    const row = featureRow(columns, i);
    if (!row || (i > first && candles[i]!.openTime - candles[i - 1]!.openTime !== intervalMs)) {
      return undefined;
    }
    rows[i] = row;
  }
  const close = candles[end]!.close;
  return {
    dataset: { features: params.features, lookback, horizon: 0, rows, samples: [] },
    sample: { end, openTime: candles[end]!.openTime, close, targetClose: close, target: 0 },
  };
}

/** The computed column of each feature, in `features` order. */
function featureColumns(
  computed: Record<FeatureName, (number | null)[]>,
  features: readonly FeatureName[],
): (number | null)[][] {
  return features.map((feature) => {
    const column = computed[feature];
    if (column === undefined) {
      throw new Error(`Feature ${feature} was not computed`);
    }
    return column;
  });
}

/** Candle `i`'s feature row, or null when a feature has no finite value there. */
function featureRow(columns: readonly (number | null)[][], i: number): Float64Array | null {
  const row = new Float64Array(columns.length);
  let f = 0;
  for (const column of columns) {
    const value = column[i];
    if (value === null || value === undefined || !Number.isFinite(value)) {
      return null;
    }
    row[f++] = value;
  }
  return row;
}

/** First `trainFraction` of the samples for training, the rest for testing, in time order. */
export function chronologicalSplit<T>(
  samples: readonly T[],
  trainFraction = 0.8,
): { train: T[]; test: T[] } {
  const cut = Math.floor(samples.length * trainFraction);
  return { train: samples.slice(0, cut), test: samples.slice(cut) };
}

/**
 * Training samples whose target lies after the first test window's candle would let the future
 * leak into training: drop the last `horizon` of them (a purge between train and test).
 */
export function purge(
  train: readonly Sample[],
  test: readonly Sample[],
  horizon: number,
): Sample[] {
  const firstTest = test[0];
  return firstTest ? train.filter((sample) => sample.end + horizon <= firstTest.end) : [...train];
}

/**
 * Walk-forward folds: fold k trains on everything before its test block and tests on the block;
 * the first block starts after `minTrainFraction` of the samples.
 */
export function walkForwardFolds<T>(
  samples: readonly T[],
  params: { folds: number; minTrainFraction: number },
): { train: T[]; test: T[] }[] {
  const start = Math.floor(samples.length * params.minTrainFraction);
  const block = Math.floor((samples.length - start) / params.folds);
  const folds: { train: T[]; test: T[] }[] = [];
  for (let k = 0; k < params.folds && block > 0; k++) {
    const from = start + k * block;
    const to = k === params.folds - 1 ? samples.length : from + block;
    folds.push({ train: samples.slice(0, from), test: samples.slice(from, to) });
  }
  return folds;
}

export interface ScalerState {
  mean: number[];
  std: number[];
  targetMean: number;
  targetStd: number;
}

/** Per-feature standardisation (and of the target), fitted on training rows only. */
export class StandardScaler {
  constructor(readonly state: ScalerState) {}

  /** Fits on the feature rows the training windows cover and on the training targets. */
  static fit(dataset: Dataset, train: readonly Sample[]): StandardScaler {
    const width = dataset.features.length;
    const sum = new Float64Array(width);
    const squares = new Float64Array(width);
    let count = 0;
    const seen = new Uint8Array(dataset.rows.length);
    for (const sample of train) {
      for (let i = sample.end - dataset.lookback + 1; i <= sample.end; i++) {
        if (seen[i]) {
          continue;
        }
        seen[i] = 1;
        const row = dataset.rows[i]!;
        for (let f = 0; f < width; f++) {
          sum[f]! += row[f]!;
          squares[f]! += row[f]! * row[f]!;
        }
        count++;
      }
    }
    const mean = Array.from(sum, (value) => value / Math.max(1, count));
    const std = Array.from(squares, (value, f) => {
      const variance = value / Math.max(1, count) - mean[f]! ** 2;
      return variance > 1e-24 ? Math.sqrt(variance) : 1;
    });
    const targets = train.map((sample) => sample.target);
    const targetMean = targets.reduce((a, b) => a + b, 0) / Math.max(1, targets.length);
    const targetVariance =
      targets.reduce((a, b) => a + (b - targetMean) ** 2, 0) / Math.max(1, targets.length);
    return new StandardScaler({
      mean,
      std,
      targetMean,
      targetStd: targetVariance > 1e-24 ? Math.sqrt(targetVariance) : 1,
    });
  }

  /** The windows of `samples` scaled, flattened [sample][step][feature] for a tensor. */
  windows(dataset: Dataset, samples: readonly Sample[]): Float32Array {
    const width = dataset.features.length;
    const out = new Float32Array(samples.length * dataset.lookback * width);
    let offset = 0;
    for (const sample of samples) {
      for (let i = sample.end - dataset.lookback + 1; i <= sample.end; i++) {
        const row = dataset.rows[i]!;
        for (let f = 0; f < width; f++) {
          out[offset++] = (row[f]! - this.state.mean[f]!) / this.state.std[f]!;
        }
      }
    }
    return out;
  }

  scaleTargets(samples: readonly Sample[]): Float32Array {
    return Float32Array.from(
      samples,
      (sample) => (sample.target - this.state.targetMean) / this.state.targetStd,
    );
  }

  unscaleTarget(value: number): number {
    return value * this.state.targetStd + this.state.targetMean;
  }
}
