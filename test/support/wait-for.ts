/**
 * Polls `probe` until it returns a value other than undefined (which it returns), or the time is up.
 * A probe that throws counts as not yet; its last error is in the time-out message. Tests wait for
 * the state they expect (a job's end, a row, a message) with this rather than sleeping.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  params: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (params.timeoutMs ?? 10_000);
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    await sleep(params.intervalMs ?? 50);
  }
  throw new Error(
    `Timed out waiting for ${params.what ?? 'a condition'}${lastError ? `: ${(lastError as Error).message}` : ''}`,
  );
}

/**
 * Waits a fixed time. Only for tests whose point is an interval (nothing may happen during it, or
 * a rate or a time-to-live must pass); say why at the call.
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
