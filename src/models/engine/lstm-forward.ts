import type { LayersModel } from '@tensorflow/tfjs';

type Activation = (x: number) => number;

const ACTIVATIONS: Record<string, Activation> = {
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  hardSigmoid: (x) => Math.max(0, Math.min(1, 0.2 * x + 0.5)),
  tanh: Math.tanh,
  linear: (x) => x,
  relu: (x) => Math.max(0, x),
};

interface LstmLayer {
  units: number;
  returnSequences: boolean;
  inputs: number;
  /** [inputs][4·units], row-major, gates in TensorFlow.js's order: input, forget, cell, output. */
  kernel: Float64Array;
  /** [units][4·units]. */
  recurrent: Float64Array;
  bias: Float64Array;
  activation: Activation;
  recurrentActivation: Activation;
}

/**
 * The forward pass of one window through a model of `buildLstm`'s shape (LSTM layers, dropout,
 * one dense output), in plain JavaScript on the model's own weights.
 *
 * The live path predicts one window per closed candle. Through TensorFlow.js that is ~15 kernel
 * dispatches per time step (24 steps: ~360), and their fixed cost, not the arithmetic (~0.1M
 * multiply-adds for LSTM(32)), made up nearly all of the ~3.8 ms a live prediction took on wasm
 * (`BENCH_ONLY=live npm run bench:predict`, CPU profile). The arithmetic here is in float64, so
 * results differ from TensorFlow.js's float32 ones in the 6th-7th significant digit (checked
 * against `model.predict` in lstm-model.spec.ts); training, evaluation and batches stay on
 * TensorFlow.js.
 */
export class LstmForward {
  private constructor(
    private readonly layers: readonly LstmLayer[],
    private readonly dense: { weights: Float64Array; bias: number },
    readonly lookback: number,
    readonly features: number,
  ) {}

  /**
   * Reads the weights of `model` (they must not change afterwards). Undefined for a model of
   * another shape, whose windows then go through TensorFlow.js.
   */
  static of(model: LayersModel): LstmForward | undefined {
    const layers: LstmLayer[] = [];
    let dense: { weights: Float64Array; bias: number } | undefined;
    for (const layer of model.layers) {
      const className = layer.getClassName();
      if (className === 'Dropout') {
        continue; // inactive at inference
      }
      if (dense) {
        return undefined; // anything after the output layer
      }
      if (className === 'RNN' || className === 'LSTM') {
        const lstm = lstmLayer(layer);
        // Every LSTM but the last hands its whole sequence on; the last one only its last step.
        if (!lstm || layers[layers.length - 1]?.returnSequences === false) {
          return undefined;
        }
        layers.push(lstm);
        continue;
      }
      if (className !== 'Dense') {
        return undefined;
      }
      const config = layer.getConfig() as { units?: number; activation?: string };
      const [kernel, bias] = layer.getWeights();
      const last = layers[layers.length - 1];
      if (
        !last ||
        last.returnSequences ||
        config.units !== 1 ||
        (config.activation ?? 'linear') !== 'linear' ||
        !kernel ||
        kernel.shape[0] !== last.units
      ) {
        return undefined;
      }
      dense = {
        weights: Float64Array.from(kernel.dataSync()),
        bias: bias ? (bias.dataSync()[0] ?? 0) : 0,
      };
    }
    const inputShape = model.inputs[0]?.shape;
    const lookback = inputShape?.[1];
    const features = inputShape?.[2];
    if (!dense || typeof lookback !== 'number' || typeof features !== 'number') {
      return undefined;
    }
    if (layers[0]?.inputs !== features) {
      return undefined;
    }
    return new LstmForward(layers, dense, lookback, features);
  }

  /** The model's output for one scaled window, [step][feature] flattened. */
  predict(window: Float32Array | Float64Array): number {
    if (window.length !== this.lookback * this.features) {
      throw new Error(
        `A window of ${this.lookback} steps x ${this.features} features was expected, not ${window.length} values`,
      );
    }
    let sequence: Float64Array = Float64Array.from(window);
    let width = this.features;
    for (const layer of this.layers) {
      sequence = runLayer(layer, sequence, width, this.lookback);
      width = layer.units;
    }
    // The last layer's output at the last step.
    const offset = (this.lookback - 1) * width;
    let out = this.dense.bias;
    for (let k = 0; k < width; k++) {
      out += sequence[offset + k]! * this.dense.weights[k]!;
    }
    return out;
  }
}

function lstmLayer(layer: LayersModel['layers'][number]): LstmLayer | undefined {
  const cell = (layer as unknown as { cell?: { getConfig(): Record<string, unknown> } }).cell;
  const config = (cell?.getConfig() ?? layer.getConfig()) as {
    units?: number;
    activation?: string;
    recurrentActivation?: string;
  };
  const layerConfig = layer.getConfig() as {
    goBackwards?: boolean;
    returnSequences?: boolean;
    stateful?: boolean;
    returnState?: boolean;
  };
  const activation = ACTIVATIONS[config.activation ?? 'tanh'];
  const recurrentActivation = ACTIVATIONS[config.recurrentActivation ?? 'hardSigmoid'];
  const units = config.units;
  const [kernel, recurrent, bias] = layer.getWeights();
  const inputs = kernel?.shape[0];
  if (
    !activation ||
    !recurrentActivation ||
    !units ||
    !kernel ||
    inputs === undefined ||
    !recurrent ||
    layerConfig.goBackwards ||
    layerConfig.stateful ||
    layerConfig.returnState ||
    kernel.shape[1] !== 4 * units ||
    recurrent.shape[0] !== units ||
    recurrent.shape[1] !== 4 * units
  ) {
    return undefined;
  }
  return {
    units,
    returnSequences: layerConfig.returnSequences === true,
    inputs,
    kernel: Float64Array.from(kernel.dataSync()),
    recurrent: Float64Array.from(recurrent.dataSync()),
    // Without a bias (useBias: false) the layer has only its two kernels.
    bias: bias ? Float64Array.from(bias.dataSync()) : new Float64Array(4 * units),
    activation,
    recurrentActivation,
  };
}

/**
 * One LSTM layer over a sequence of `steps` rows of `width` inputs: its hidden state at every step.
 * The model's shapes (`width` = the layer's inputs, checked in `LstmForward.of` and by TensorFlow.js
 * between layers) keep every index below within its array.
 */
function runLayer(
  layer: LstmLayer,
  input: Float64Array,
  width: number,
  steps: number,
): Float64Array {
  const { units, kernel, recurrent, bias, activation, recurrentActivation } = layer;
  const gates = 4 * units;
  const z = new Float64Array(gates);
  const h = new Float64Array(units);
  const c = new Float64Array(units);
  const out = new Float64Array(steps * units);
  for (let t = 0; t < steps; t++) {
    z.set(bias);
    for (let i = 0; i < width; i++) {
      const x = input[t * width + i]!;
      const row = i * gates;
      for (let j = 0; j < gates; j++) {
        z[j]! += x * kernel[row + j]!;
      }
    }
    for (let k = 0; k < units; k++) {
      const hk = h[k]!;
      const row = k * gates;
      for (let j = 0; j < gates; j++) {
        z[j]! += hk * recurrent[row + j]!;
      }
    }
    for (let k = 0; k < units; k++) {
      const inputGate = recurrentActivation(z[k]!);
      const forgetGate = recurrentActivation(z[units + k]!);
      const candidate = activation(z[2 * units + k]!);
      const outputGate = recurrentActivation(z[3 * units + k]!);
      const cell = forgetGate * c[k]! + inputGate * candidate;
      c[k] = cell;
      h[k] = outputGate * activation(cell);
    }
    out.set(h, t * units);
  }
  return out;
}
