import { describeIndicatorCatalogue, INDICATOR_CATALOGUE } from './indicator-catalogue';
import { OUTPUT_UNITS } from './indicator-definition';
import { indicatorWarmup, parseIndicatorList } from './indicator-spec';

describe('indicator catalogue', () => {
  const description = describeIndicatorCatalogue();

  it('has every indicator and pattern the product offers, once, by lowercase name', () => {
    const names = description.map((entry) => entry.name);
    expect(names).toEqual([
      'sma',
      'ema',
      'wma',
      'rsi',
      'macd',
      'bb',
      'atr',
      'stoch',
      'stochrsi',
      'adx',
      'cci',
      'obv',
      'vwap',
      'mfi',
      'williamsr',
      'roc',
      'ichimoku',
      'psar',
      'bullishengulfing',
      'bearishengulfing',
      'doji',
      'hammer',
      'hangingman',
      'shootingstar',
      'morningstar',
      'eveningstar',
      'bullishharami',
      'bearishharami',
      'threewhitesoldiers',
      'threeblackcrows',
    ]);
    expect(new Set(names).size).toBe(names.length);
    expect(names.every((name) => /^[a-z]+$/.test(name))).toBe(true);
  });

  it('describes parameters with defaults inside their ranges, and the outputs', () => {
    for (const entry of description) {
      expect(entry.title.length).toBeGreaterThan(3);
      expect(entry.outputs.length).toBeGreaterThan(0);
      for (const param of entry.params) {
        expect(param.default).toBeLessThanOrEqual(param.max);
        expect(param.minExclusive ? param.default > param.min : param.default >= param.min).toBe(
          true,
        );
        if (param.type === 'integer') {
          expect(Number.isInteger(param.default)).toBe(true);
        }
      }
    }
  });

  it('declares for every output the unit that makes it a stationary model input', () => {
    const units = INDICATOR_CATALOGUE.flatMap((definition) =>
      definition.outputs.map((output) => [`${definition.name}.${output.name}`, output.unit]),
    );
    for (const [output, unit] of units) {
      expect([output, (OUTPUT_UNITS as readonly unknown[]).includes(unit)]).toEqual([output, true]);
    }
    const unitOf = Object.fromEntries(units);
    expect(unitOf['ema.value']).toBe('price');
    expect(unitOf['macd.signal']).toBe('priceChange');
    expect(unitOf['rsi.value']).toBe('percent');
    expect(unitOf['obv.value']).toBe('volume');
    expect(unitOf['cci.value']).toBe('unbounded');
    expect(description.find((entry) => entry.name === 'bb')!.outputs[3]).toEqual({
      name: 'percentB',
      description: '(close - lower) / (upper - lower)',
      unit: 'fraction',
    });
  });

  it('names the outputs and defaults the brief asks for', () => {
    const byName = Object.fromEntries(description.map((entry) => [entry.name, entry]));
    expect(byName.macd.outputs.map((output) => output.name)).toEqual([
      'macd',
      'signal',
      'histogram',
    ]);
    expect(byName.bb.outputs.map((output) => output.name)).toEqual([
      'lower',
      'middle',
      'upper',
      'percentB',
      'bandwidth',
    ]);
    expect(byName.rsi.outputs.map((output) => output.name)).toEqual(['value']);
    expect(byName.doji.outputs.map((output) => output.name)).toEqual(['value']);
    expect(
      ['rsi', 'macd', 'bb', 'psar', 'ichimoku', 'obv'].map((name) => byName[name].defaultSpec),
    ).toEqual(['rsi:14', 'macd:12,26,9', 'bb:20,2', 'psar:0.02,0.2', 'ichimoku:9,26,52,26', 'obv']);
    expect(byName.macd.defaultWarmup).toBe(33);
    expect(byName.rsi.notes).toContain('2 decimals');
  });

  it('has default specs that parse back to themselves, with the declared warm-up', () => {
    for (const entry of description) {
      const [spec] = parseIndicatorList(entry.defaultSpec);
      expect(spec.key).toBe(entry.defaultSpec);
      expect(Math.max(...Object.values(indicatorWarmup(spec)))).toBe(entry.defaultWarmup);
    }
  });

  it('is plain data that survives JSON, and does not share objects with the catalogue', () => {
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
    description[0].params[0].default = 999;
    expect(INDICATOR_CATALOGUE[0].params[0].default).toBe(20);
  });
});
