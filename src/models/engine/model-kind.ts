/**
 * The kinds of model one market can be trained as, all behind one interface (`trainModel` in
 * model-training.ts; `predictBatch`, `predictOne` and `disposeModel` in trained-model.ts;
 * `saveModel` and `loadModel` in model-artifact.ts):
 *
 * - `lstm`: stacked LSTM layers (`FastLstmCell`) with dropout and a dense output, Adam, early
 *   stopping; one live window through `LstmForward` in plain JavaScript.
 * - `gru`: the same shape with `tf.layers.gru`; every prediction through TensorFlow.js.
 * - `linear`: ridge regression on the flattened scaled window, in closed form (ridge-model.ts).
 */
export const MODEL_KINDS = ['lstm', 'gru', 'linear'] as const;

export type ModelKind = (typeof MODEL_KINDS)[number];

/** The kind of models stored before there were several, and of a request that names none. */
export const DEFAULT_MODEL_KIND: ModelKind = 'lstm';

export function isModelKind(value: unknown): value is ModelKind {
  return typeof value === 'string' && (MODEL_KINDS as readonly string[]).includes(value);
}
