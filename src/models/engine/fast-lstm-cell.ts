import type { Tensor } from '@tensorflow/tfjs';
import type { LSTMCell, LSTMCellLayerArgs } from '@tensorflow/tfjs-layers/dist/layers/recurrent';
import type { TensorFlow } from './tf-backend';

type LstmCellClass = new (args: LSTMCellLayerArgs) => LSTMCell;

const classes = new WeakMap<TensorFlow, LstmCellClass>();

/**
 * The LSTM cell of `tf.layers.lstmCell` (same weights, same gate order, same arithmetic) with one
 * change: its matrix products take their gradients as plain products of explicitly transposed
 * operands. TensorFlow.js differentiates `x·W` into `dz·Wᵀ` and `xᵀ·dz` with the transpose flags
 * of its matmul kernel, and the wasm backend's kernel is ~8x slower with either flag set than
 * without (`[256,128]·[32,128]ᵀ`: 0.63 ms, against 0.075 ms for a flag-free product of the same
 * size; the transposes themselves cost ~0.02 ms). Those two products were ~45% of the kernel time
 * of a training batch. Dropout inside the cell is not supported (the model drops out after it).
 *
 * Registered for serialization, so saved models load with it; the class is made once per
 * TensorFlow.js instance, from that instance's own `LSTMCell`.
 */
export function fastLstmCellClass(tf: TensorFlow): LstmCellClass {
  let cell = classes.get(tf);
  if (!cell) {
    cell = defineFastLstmCell(tf);
    classes.set(tf, cell);
  }
  return cell;
}

/** Defines `FastLstmCell` on `tf` and registers it for serialization. */
function defineFastLstmCell(tf: TensorFlow): LstmCellClass {
  const Base = tf.layers.lstmCell({ units: 1 }).constructor as LstmCellClass;
  const matMul: (a: Tensor, b: Tensor) => Tensor = tf.customGrad((...args: unknown[]) => {
    const [a, b, save] = args as [Tensor, Tensor, (tensors: Tensor[]) => void];
    save([a, b]);
    return {
      value: tf.matMul(a, b),
      gradFunc: (dy: Tensor, saved: Tensor[]) => {
        const [savedA, savedB] = saved as [Tensor, Tensor];
        return [tf.matMul(dy, tf.transpose(savedB)), tf.matMul(tf.transpose(savedA), dy)];
      },
    };
  });

  class FastLstmCell extends Base {
    static className = 'FastLstmCell';

    constructor(args: LSTMCellLayerArgs) {
      if ((args.dropout ?? 0) > 0 || (args.recurrentDropout ?? 0) > 0) {
        throw new Error('FastLstmCell does not support dropout inside the cell');
      }
      super(args);
    }

    override call(inputs: Tensor | Tensor[]): Tensor[] {
      return tf.tidy(() => {
        const [x, hPrevious, cPrevious] = inputs as [Tensor, Tensor, Tensor];
        let z = tf.add(
          matMul(x, this.kernel.read()),
          matMul(hPrevious, this.recurrentKernel.read()),
        );
        if (this.useBias) {
          z = tf.add(z, this.bias.read());
        }
        const [z0, z1, z2, z3] = tf.split(z, 4, z.rank - 1) as [Tensor, Tensor, Tensor, Tensor];
        const i = this.recurrentActivation.apply(z0);
        const f = this.recurrentActivation.apply(z1);
        const c = tf.add(tf.mul(f, cPrevious), tf.mul(i, this.activation.apply(z2)));
        const o = this.recurrentActivation.apply(z3);
        const h = tf.mul(o, this.activation.apply(c));
        return [h, h, c];
      });
    }
  }
  tf.serialization.registerClass(FastLstmCell as never);
  return FastLstmCell;
}
