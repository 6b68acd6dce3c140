import type { Candle } from '../../market-data/candle';
import { assertAscending } from './candle-sequence';
import { toCandleSeries, type IndicatorColumns } from './indicator-definition';
import { definitionOf, type IndicatorSpec } from './indicator-spec';

/** One spec over a candle series: every output as an array aligned with the candles. */
export interface IndicatorSeries {
  spec: IndicatorSpec;
  /** Output names, in catalogue order (`value` for single-output indicators). */
  outputs: string[];
  /**
   * One array per output, as long as the candles: `columns.signal[i]` belongs to `candles[i]` and
   * was computed from candles 0..i only; null while warming up or where the value is undefined.
   */
  columns: IndicatorColumns;
}

/**
 * Every spec over the whole series at once, candles oldest first. The result is in spec order.
 * Values depend on where the series starts for recursive, cumulative and session indicators (see
 * `memory` in the catalogue): load history before the range you show.
 */
export function computeIndicators(
  candles: readonly Candle[],
  specs: readonly IndicatorSpec[],
): IndicatorSeries[] {
  assertAscending(candles);
  const resolved = specs.map((spec) => ({ spec, definition: definitionOf(spec) }));
  const series = toCandleSeries(candles);
  return resolved.map(({ spec, definition }) => ({
    spec,
    outputs: definition.outputs.map((output) => output.name),
    columns: definition.computeBulk(series, spec.params),
  }));
}
