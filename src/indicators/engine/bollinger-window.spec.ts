import { BollingerBands } from 'technicalindicators';
import { computeIndicators } from './indicator-computation';
import { parseIndicatorList } from './indicator-spec';
import { loadBtcUsdt1h300 } from './fixtures/candle-fixture';

describe('Bollinger Bands computed without the library', () => {
  it.each([
    [20, 2],
    [5, 1.5],
    [50, 3],
  ])(
    'equals technicalindicators BollingerBands(%i, %d) exactly on real candles',
    (period, stdDev) => {
      const candles = loadBtcUsdt1h300();
      const library = BollingerBands.calculate({
        period,
        stdDev,
        values: candles.map((candle) => candle.close),
        format: (value: number) => value,
      });
      const [ours] = computeIndicators(candles, parseIndicatorList(`bb:${period},${stdDev}`));
      expect(library).toHaveLength(candles.length - period + 1);
      library.forEach((result, index) => {
        const at = index + period - 1;
        expect(ours!.columns.lower![at]).toBe(result.lower);
        expect(ours!.columns.middle![at]).toBe(result.middle);
        expect(ours!.columns.upper![at]).toBe(result.upper);
        expect(ours!.columns.percentB![at]).toBe(result.pb);
      });
      expect(ours!.columns.middle!.slice(0, period - 1).every((value) => value === null)).toBe(
        true,
      );
    },
  );
});
