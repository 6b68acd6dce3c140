/** Which machine-learning backend a process computes on, and which process said so. */
export interface MlBackendStatus {
  /** TensorFlow.js backend name, `wasm`. */
  backend: string;
  /** `host:pid` of the process that uses it. */
  worker: string;
  reportedAt: string;
}

/**
 * What health asks of the ML backend, implemented by the models module: the backend this
 * process uses, else the one a worker last reported, else null.
 */
export interface MlBackendPort {
  status(): Promise<MlBackendStatus | null>;
}

/** Injection token of the MlBackendPort implementation. */
export const ML_BACKEND = Symbol('ML_BACKEND');
