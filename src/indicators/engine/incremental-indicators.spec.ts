import { CandleSequenceError } from './candle-sequence';
import { loadBtcUsdt1h300 } from './fixtures/candle-fixture';
import { at, outputColumn } from './fixtures/indicator-fixture';
import { computeIndicators, type IndicatorSeries } from './indicator-computation';
import { INDICATOR_CATALOGUE } from './indicator-catalogue';
import type { IndicatorValues } from './indicator-definition';
import { defaultIndicatorSpecs, parseIndicatorList, type IndicatorSpec } from './indicator-spec';
import { IncrementalIndicators } from './incremental-indicators';

const candles = loadBtcUsdt1h300();

/** Every catalogue entry at its defaults, plus non-default parameters for the parametrised ones. */
const SPECS: IndicatorSpec[] = [
  ...defaultIndicatorSpecs(),
  ...parseIndicatorList(
    'sma:7,ema:9,wma:5,rsi:6,macd:5,13,4,bb:10,1.5,atr:5,stoch:5,2,stochrsi:7,5,2,4,adx:6,cci:9,vwap:4,mfi:5,williamsr:6,roc:3,ichimoku:5,10,20,7,psar:0.03,0.3',
  ),
];

/** The incremental values as columns: one array per output of each spec (undefined if missing). */
function incrementalColumns(
  rows: IndicatorValues[][],
  bulk: readonly IndicatorSeries[],
): Record<string, (number | null | undefined)[]>[] {
  return bulk.map((series, specIndex) =>
    Object.fromEntries(
      series.outputs.map((output) => [output, rows.map((row) => at(row, specIndex)[output])]),
    ),
  );
}

describe('IncrementalIndicators', () => {
  const bulk = computeIndicators(candles, SPECS);

  it('covers every catalogue entry', () => {
    const names = new Set(SPECS.map((spec) => spec.name));
    expect(INDICATOR_CATALOGUE.every((definition) => names.has(definition.name))).toBe(true);
  });

  // Exactly equal, not approximately: bulk and incremental run the same arithmetic in the same
  // order (the library's generator behind both `calculate` and `nextValue`, or our own state).
  it.each(SPECS.map((spec, index) => [spec.key, index] as const))(
    '%s fed one candle at a time equals the bulk values exactly',
    (_key, specIndex) => {
      const indicators = new IncrementalIndicators(SPECS);
      const rows = candles.map((candle) => indicators.next(candle));
      const columns = at(incrementalColumns(rows, bulk), specIndex);
      const series = at(bulk, specIndex);
      expect(columns).toEqual(series.columns);
      // Something was computed: the last candle has every output.
      for (const output of series.outputs) {
        expect(columns[output]?.at(-1)).toEqual(expect.any(Number));
      }
    },
  );

  it('rebuilt from history, continues exactly like the bulk computation', () => {
    const indicators = IncrementalIndicators.fromHistory(candles.slice(0, 180), SPECS);
    expect(indicators.candleCount).toBe(180);
    expect(indicators.lastCandleOpenTime).toBe(at(candles, 179).openTime);
    const rows = candles.slice(180).map((candle) => indicators.next(candle));
    const tail = bulk.map((series) =>
      Object.fromEntries(
        series.outputs.map((output) => [output, outputColumn(series, output).slice(180)]),
      ),
    );
    expect(incrementalColumns(rows, bulk)).toEqual(tail);
  });

  it('answers one entry per spec, keyed by output name', () => {
    const indicators = new IncrementalIndicators(parseIndicatorList('rsi,macd,obv'));
    const values = indicators.next(at(candles, 0));
    expect(values).toEqual([
      { value: null },
      { macd: null, signal: null, histogram: null },
      { value: null },
    ]);
  });

  it('refuses a candle that does not come after the previous one', () => {
    const indicators = new IncrementalIndicators(parseIndicatorList('ema:3'));
    indicators.next(at(candles, 0));
    indicators.next(at(candles, 1));
    expect(() => indicators.next(at(candles, 1))).toThrow(CandleSequenceError);
    expect(() => indicators.next(at(candles, 0))).toThrow(/does not come after/);
    expect(() => IncrementalIndicators.fromHistory([at(candles, 1), at(candles, 0)], [])).toThrow(
      CandleSequenceError,
    );
    // The refused candles changed nothing: the next one continues the sequence.
    expect(at(indicators.next(at(candles, 2)), 0).value).toBe(
      at(outputColumn(computeIndicators(candles.slice(0, 3), parseIndicatorList('ema:3'))[0]), 2),
    );
  });
});
