import { useEffect, useRef, useState } from 'preact/hooks';
import type { Market, Strategy } from '../api/types';
import { useSession } from '../session';

export interface AsyncState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** Runs `load` when `deps` change (the previous run is aborted) and keeps its result or error. */
export function useAsync<T>(
  load: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
): AsyncState<T> & { setData(update: (data: T | undefined) => T | undefined): void } {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: null,
    loading: true,
  });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ ...previous, loading: true }));
    load(controller.signal).then(
      (data) => !controller.signal.aborted && setState({ data, error: null, loading: false }),
      (error: unknown) =>
        !controller.signal.aborted && setState({ data: undefined, error, loading: false }),
    );
    return () => controller.abort();
  }, [...deps, generation]);
  return {
    ...state,
    reload: () => setGeneration((value) => value + 1),
    setData: (update) => setState((previous) => ({ ...previous, data: update(previous.data) })),
  };
}

/** Every strategy version and every market, the choices the strategy forms offer. */
export function useStrategiesAndMarkets(): AsyncState<{
  strategies: Strategy[];
  markets: Market[];
}> {
  const { api } = useSession();
  return useAsync(
    async (signal) => {
      const [strategies, markets] = await Promise.all([
        api.get<Strategy[]>('/strategies', {}, signal),
        api.get<Market[]>('/markets', {}, signal),
      ]);
      return { strategies, markets };
    },
    [api],
  );
}

/**
 * A GraphQL subscription while the component is mounted (and `enabled`); `onData` may change
 * between renders without resubscribing.
 */
export function useSubscription<T>(params: {
  query: string;
  field: string;
  variables: Record<string, unknown>;
  enabled?: boolean;
  onData: (value: T) => void;
  onError?: (message: string) => void;
}): void {
  const { live } = useSession();
  const handlers = useRef(params);
  handlers.current = params;
  const key = JSON.stringify(params.variables);
  useEffect(() => {
    if (params.enabled === false) {
      return undefined;
    }
    return live.subscribe<T>({
      query: params.query,
      variables: params.variables,
      field: params.field,
      onData: (value) => handlers.current.onData(value),
      onError: (message) => handlers.current.onError?.(message),
    });
  }, [live, params.query, params.field, key, params.enabled]);
}

/** The current time, refreshed every `everyMs` (for lags and ages). */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
