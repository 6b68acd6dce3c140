import { definitionOf, warmupCandles, type IndicatorSpec } from './engine/indicator-spec';

/**
 * Recursive indicators (EMA, Wilder smoothing) forget their seed geometrically: after 30 periods
 * the seed weighs less than e^-30 (~1e-13) for Wilder's 1/N and far less for EMA's 2/(N+1), so
 * values computed from a window this long match values computed from the whole history to double
 * precision, wherever the window starts.
 */
const RECURSIVE_PERIODS = 30;
const HOUR_MS = 3_600_000;

/**
 * How many candles before the first one shown a computation loads: the warm-up (until every output
 * has a value) plus, for indicators with memory, enough history for the values not to depend on
 * where the window starts. Cumulative ones (OBV) always depend on it: only their changes are
 * comparable, which the catalogue says.
 */
export function seedCandles(specs: readonly IndicatorSpec[], intervalMs: number): number {
  let extra = 0;
  for (const spec of specs) {
    const definition = definitionOf(spec);
    if (definition.historyCandles !== undefined) {
      extra = Math.max(extra, definition.historyCandles);
    } else if (definition.memory === 'recursive') {
      extra = Math.max(
        extra,
        RECURSIVE_PERIODS * Math.max(1, ...spec.params.filter(Number.isInteger)),
      );
    } else if (definition.memory === 'session') {
      const sessionHours = spec.params[0] ?? 24;
      extra = Math.max(extra, Math.ceil((sessionHours * HOUR_MS) / intervalMs));
    }
  }
  return warmupCandles(specs) + extra;
}
