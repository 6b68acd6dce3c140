import { at } from './fixtures/indicator-fixture';
import {
  describeIndicatorCatalogue,
  INDICATOR_CATALOGUE,
  type IndicatorDescription,
} from './indicator-catalogue';
import { OUTPUT_UNITS } from './indicator-definition';
import { indicatorWarmup, parseIndicatorList } from './indicator-spec';

describe('indicator catalogue', () => {
  const description = describeIndicatorCatalogue();
  const entryNamed = (name: string): IndicatorDescription => {
    const entry = description.find((candidate) => candidate.name === name);
    if (entry === undefined) {
      throw new Error(`No catalogue entry named ${name}`);
    }
    return entry;
  };

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
    expect(entryNamed('bb').outputs[3]).toEqual({
      name: 'percentB',
      description: '(close - lower) / (upper - lower)',
      unit: 'fraction',
    });
  });

  it('names the outputs and defaults the brief asks for', () => {
    expect(entryNamed('macd').outputs.map((output) => output.name)).toEqual([
      'macd',
      'signal',
      'histogram',
    ]);
    expect(entryNamed('bb').outputs.map((output) => output.name)).toEqual([
      'lower',
      'middle',
      'upper',
      'percentB',
      'bandwidth',
    ]);
    expect(entryNamed('rsi').outputs.map((output) => output.name)).toEqual(['value']);
    expect(entryNamed('doji').outputs.map((output) => output.name)).toEqual(['value']);
    expect(
      ['rsi', 'macd', 'bb', 'psar', 'ichimoku', 'obv'].map((name) => entryNamed(name).defaultSpec),
    ).toEqual(['rsi:14', 'macd:12,26,9', 'bb:20,2', 'psar:0.02,0.2', 'ichimoku:9,26,52,26', 'obv']);
    expect(entryNamed('macd').defaultWarmup).toBe(33);
    expect(entryNamed('rsi').notes).toContain('2 decimals');
  });

  it('has default specs that parse back to themselves, with the declared warm-up', () => {
    for (const entry of description) {
      const spec = at(parseIndicatorList(entry.defaultSpec), 0);
      expect(spec.key).toBe(entry.defaultSpec);
      expect(Math.max(...Object.values(indicatorWarmup(spec)))).toBe(entry.defaultWarmup);
    }
  });

  it('is plain data that survives JSON, and does not share objects with the catalogue', () => {
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
    at(at(description, 0).params, 0).default = 999;
    expect(at(at(INDICATOR_CATALOGUE, 0).params, 0).default).toBe(20);
  });
});
