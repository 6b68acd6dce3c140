/** How far a retry may be moved from its slot on the schedule, either way (spreads retry storms). */
const JITTER = 0.1;
/** A receiver's `Retry-After` is honoured up to this. */
const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/**
 * Wait before retry number `retry` (0 = the first retry) on the Standard Webhooks schedule, with
 * jitter, never shorter than the receiver's `Retry-After`; null once the schedule is exhausted.
 */
export function retryDelayMs(
  schedule: readonly number[],
  retry: number,
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number | null {
  const slot = schedule[retry];
  if (slot === undefined) {
    return null;
  }
  const jittered = Math.round(slot * (1 + (random() * 2 - 1) * JITTER));
  return Math.max(jittered, Math.min(retryAfterMs ?? 0, MAX_RETRY_AFTER_MS));
}
