import { dirname, sep } from 'node:path';

export type TensorFlow = typeof import('@tensorflow/tfjs');
export type TfBackend = 'tensorflow' | 'wasm' | 'cpu';

export interface LoadedTensorFlow {
  tf: TensorFlow;
  backend: TfBackend;
}

let loading: Promise<LoadedTensorFlow> | undefined;

/**
 * TensorFlow.js, once per process, on the best backend available: `@tensorflow/tfjs-node` (native
 * libtensorflow, an optional dependency that is absent where its download failed), else
 * `@tensorflow/tfjs` on the wasm backend (single-threaded: wasm threads do not work in Node),
 * else the plain JavaScript cpu backend. `preferred` (from `TF_BACKEND`) forces one.
 */
export function loadTensorFlow(preferred?: TfBackend): Promise<LoadedTensorFlow> {
  loading ??= load(preferred);
  return loading;
}

async function load(preferred?: TfBackend): Promise<LoadedTensorFlow> {
  if (preferred === undefined || preferred === 'tensorflow') {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const tf = require('@tensorflow/tfjs-node') as TensorFlow;
      await tf.ready();
      return { tf, backend: 'tensorflow' };
    } catch (error) {
      if (preferred === 'tensorflow') {
        throw new Error(
          `TF_BACKEND=tensorflow but @tensorflow/tfjs-node cannot be loaded: ${(error as Error).message}`,
        );
      }
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tf = require('@tensorflow/tfjs') as TensorFlow;
  if (preferred === undefined || preferred === 'wasm') {
    try {
      const wasm =
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      wasm.setWasmPaths(
        dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + sep,
      );
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return { tf, backend: 'wasm' };
      }
    } catch (error) {
      if (preferred === 'wasm') {
        throw new Error(
          `TF_BACKEND=wasm but the wasm backend cannot start: ${(error as Error).message}`,
        );
      }
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  return { tf, backend: 'cpu' };
}
