import type { ModelPredictor, PredictorManifest } from './trained-model';

/** Weights of one input each (a flattened window: [step][feature]) and an intercept. */
export interface RidgeFit {
  weights: Float64Array;
  intercept: number;
}

/**
 * Ridge regression in closed form, in Float64: the intercept is not penalised (inputs and target
 * are centred on their means, as scikit-learn's `Ridge` does), the weights solve
 * (XcᵀXc + l2·I) w = Xcᵀyc by Cholesky, and intercept = mean(y) - mean(X)·w. `x` holds `rows`
 * rows of `columns` values. A RangeError when the system is not positive definite (l2 = 0 with
 * constant or collinear inputs, or fewer rows than inputs).
 */
export function fitRidge(params: {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  rows: number;
  columns: number;
  l2: number;
}): RidgeFit {
  const { x, y, rows, columns: d, l2 } = params;
  if (rows < 1 || x.length !== rows * d || y.length !== rows) {
    throw new RangeError(
      `Ridge regression needs ${rows} rows of ${d} inputs and ${rows} targets, got ${x.length} inputs and ${y.length} targets`,
    );
  }
  // x has rows * d values and y has rows (checked above): every index below is in range.
  const means = new Float64Array(d);
  let targetMean = 0;
  for (let r = 0; r < rows; r++) {
    const offset = r * d;
    for (let c = 0; c < d; c++) {
      means[c]! += x[offset + c]!;
    }
    targetMean += y[r]!;
  }
  for (let c = 0; c < d; c++) {
    means[c]! /= rows;
  }
  targetMean /= rows;
  // The upper triangle of XcᵀXc and Xcᵀyc, one centred row at a time.
  const gram = new Float64Array(d * d);
  const moment = new Float64Array(d);
  const centred = new Float64Array(d);
  for (let r = 0; r < rows; r++) {
    const offset = r * d;
    for (let c = 0; c < d; c++) {
      centred[c] = x[offset + c]! - means[c]!;
    }
    const target = y[r]! - targetMean;
    for (let i = 0; i < d; i++) {
      const xi = centred[i]!;
      if (xi === 0) {
        continue;
      }
      moment[i]! += xi * target;
      const row = i * d;
      for (let j = i; j < d; j++) {
        gram[row + j]! += xi * centred[j]!;
      }
    }
  }
  for (let i = 0; i < d; i++) {
    gram[i * d + i]! += l2;
    for (let j = 0; j < i; j++) {
      gram[i * d + j] = gram[j * d + i]!;
    }
  }
  const weights = solveCholesky(gram, moment, d);
  let intercept = targetMean;
  for (let c = 0; c < d; c++) {
    intercept -= means[c]! * weights[c]!;
  }
  return { weights, intercept };
}

/**
 * Solves A·x = b for a symmetric positive definite `n` x `n` matrix A (row-major) by its Cholesky
 * factor L (A = L·Lᵀ), then L·z = b and Lᵀ·x = z. A RangeError when a pivot is not clearly
 * positive (A singular or indefinite, to within rounding).
 */
export function solveCholesky(a: Float64Array, b: Float64Array, n: number): Float64Array {
  if (a.length !== n * n || b.length !== n) {
    throw new RangeError(
      `Cholesky needs a ${n} x ${n} matrix and ${n} values, got ${a.length} and ${b.length}`,
    );
  }
  // Every index below is within those lengths (the `!` reads).
  const lower = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rowJ = j * n;
    let pivot = a[rowJ + j]!;
    for (let k = 0; k < j; k++) {
      pivot -= lower[rowJ + k]! * lower[rowJ + k]!;
    }
    // Rounding leaves ~1e-16 of the diagonal where the matrix is singular.
    if (!(pivot > 1e-12 * a[rowJ + j]!) || !(pivot > 0)) {
      throw new RangeError(
        `The matrix is not positive definite (pivot ${pivot} at row ${j} of ${n})`,
      );
    }
    const diagonal = Math.sqrt(pivot);
    lower[rowJ + j] = diagonal;
    for (let i = j + 1; i < n; i++) {
      const rowI = i * n;
      let sum = a[rowI + j]!;
      for (let k = 0; k < j; k++) {
        sum -= lower[rowI + k]! * lower[rowJ + k]!;
      }
      lower[rowI + j] = sum / diagonal;
    }
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) {
      sum -= lower[i * n + k]! * z[k]!;
    }
    z[i] = sum / lower[i * n + i]!;
  }
  const out = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = z[i]!;
    for (let k = i + 1; k < n; k++) {
      sum -= lower[k * n + i]! * out[k]!;
    }
    out[i] = sum / lower[i * n + i]!;
  }
  return out;
}

/**
 * The `linear` kind's predictor: intercept + w·window on the scaled, flattened window, in Float64
 * and always in the same order (a batch and one window give the same number). Its artifact is
 * the weights then the intercept as little-endian Float64 bytes; nothing to free.
 */
export class RidgePredictor implements ModelPredictor {
  constructor(readonly fit: RidgeFit) {}

  /** From `save`'s manifest part (`inputs`) and bytes. */
  static fromArtifact(manifest: { inputs: number }, weightData: Buffer): RidgePredictor {
    const inputs = manifest.inputs;
    if (!Number.isInteger(inputs) || weightData.byteLength !== (inputs + 1) * 8) {
      throw new Error(
        `A ridge artifact of ${inputs} inputs has ${weightData.byteLength} bytes of weights, not ${(inputs + 1) * 8}`,
      );
    }
    const view = new DataView(weightData.buffer, weightData.byteOffset, weightData.byteLength);
    const weights = new Float64Array(inputs);
    for (let i = 0; i < inputs; i++) {
      weights[i] = view.getFloat64(i * 8, true);
    }
    return new RidgePredictor({ weights, intercept: view.getFloat64(inputs * 8, true) });
  }

  predictWindows(_tf: unknown, windows: Float32Array, count: number): Float64Array {
    const size = this.fit.weights.length;
    if (windows.length !== count * size) {
      throw new Error(
        `${count} windows of ${size} values were expected, not ${windows.length} values`,
      );
    }
    const out = new Float64Array(count);
    for (let n = 0; n < count; n++) {
      out[n] = this.dot(windows, n * size);
    }
    return out;
  }

  predictWindow(_tf: unknown, window: Float32Array): number {
    if (window.length !== this.fit.weights.length) {
      throw new Error(
        `A window of ${this.fit.weights.length} values was expected, not ${window.length}`,
      );
    }
    return this.dot(window, 0);
  }

  save(): Promise<{ manifest: PredictorManifest; weightData: Buffer }> {
    const { weights, intercept } = this.fit;
    const bytes = Buffer.alloc((weights.length + 1) * 8);
    weights.forEach((weight, i) => bytes.writeDoubleLE(weight, i * 8));
    bytes.writeDoubleLE(intercept, weights.length * 8);
    return Promise.resolve({
      manifest: { format: 'ridge', inputs: weights.length },
      weightData: bytes,
    });
  }

  dispose(): void {
    // Plain arrays: the garbage collector frees them.
  }

  private dot(values: Float32Array, offset: number): number {
    const { weights } = this.fit;
    let sum = this.fit.intercept;
    for (let i = 0; i < weights.length; i++) {
      sum += weights[i]! * values[offset + i]!;
    }
    return sum;
  }
}
