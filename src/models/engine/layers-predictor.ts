import type { LayersModel, Tensor, io } from '@tensorflow/tfjs';
import { LstmForward } from './lstm-forward';
import type { TensorFlow } from './tf-backend';
import type { ModelPredictor, PredictorManifest } from './trained-model';

/** A TensorFlow.js model (`lstm`, `gru`) with one-window predictions through `LstmForward` for the LSTM. */
export class LayersPredictor implements ModelPredictor {
  /** Undefined until the first `predictWindow`; null where the model has no JavaScript forward pass. */
  private forward: LstmForward | null | undefined;

  constructor(
    readonly kind: 'lstm' | 'gru',
    private readonly model: LayersModel,
    private readonly lookback: number,
    private readonly featureCount: number,
  ) {}

  predictWindows(tf: TensorFlow, windows: Float32Array, count: number): Float32Array {
    return tf.tidy(() => {
      const x = tf.tensor3d(windows, [count, this.lookback, this.featureCount]);
      return (this.model.predict(x) as Tensor).dataSync<'float32'>();
    });
  }

  /**
   * The LSTM through `LstmForward` (plain JavaScript; LSTM(32) x 24 on wasm: ~0.5 ms against
   * ~3.8 ms through TensorFlow.js), whose weights are read at the first call; the GRU (and an
   * LSTM of another shape) through TensorFlow.js.
   */
  predictWindow(tf: TensorFlow, window: Float32Array): number {
    if (this.forward === undefined) {
      this.forward = this.kind === 'lstm' ? (LstmForward.of(this.model) ?? null) : null;
    }
    return this.forward ? this.forward.predict(window) : this.predictWindows(tf, window, 1)[0]!;
  }

  /** Topology and weights through TensorFlow.js IO handlers. */
  async save(tf: TensorFlow): Promise<{ manifest: PredictorManifest; weightData: Buffer }> {
    let saved:
      | (Pick<io.ModelArtifacts, 'modelTopology' | 'weightSpecs'> & { weightData: ArrayBuffer })
      | undefined;
    await this.model.save(
      tf.io.withSaveHandler(async (artifacts) => {
        saved = {
          modelTopology: artifacts.modelTopology,
          weightSpecs: artifacts.weightSpecs,
          weightData: artifacts.weightData as ArrayBuffer,
        };
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    if (!saved) {
      throw new Error('TensorFlow.js did not hand over the model artifacts');
    }
    return {
      manifest: {
        format: 'tfjs-layers',
        modelTopology: saved.modelTopology,
        weightSpecs: saved.weightSpecs,
      },
      weightData: Buffer.from(saved.weightData),
    };
  }

  dispose(): void {
    disposeLayersModel(this.model);
  }
}

/** Frees a TensorFlow.js model's weights and its optimizer's state (not freed with the model). */
export function disposeLayersModel(model: LayersModel): void {
  model.optimizer?.dispose();
  model.dispose();
}
