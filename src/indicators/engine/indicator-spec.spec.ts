import { createIndicatorSpec, IndicatorSpecError, parseIndicatorList } from './indicator-spec';

function keys(text: string): string[] {
  return parseIndicatorList(text).map((spec) => spec.key);
}

function refusal(text: string): IndicatorSpecError {
  try {
    parseIndicatorList(text);
  } catch (error) {
    if (error instanceof IndicatorSpecError) {
      return error;
    }
    throw error;
  }
  throw new Error(`"${text}" was accepted`);
}

describe('parseIndicatorList', () => {
  it('splits indicators and parameters on commas: a letter starts a new indicator', () => {
    expect(parseIndicatorList('rsi:14,macd:12,26,9,bb:20,2')).toEqual([
      { name: 'rsi', params: [14], key: 'rsi:14' },
      { name: 'macd', params: [12, 26, 9], key: 'macd:12,26,9' },
      { name: 'bb', params: [20, 2], key: 'bb:20,2' },
    ]);
  });

  it('fills omitted parameters with defaults and writes canonical keys', () => {
    expect(keys('rsi,macd:5,bb,psar,ichimoku,obv,vwap,stochrsi:7,doji')).toEqual([
      'rsi:14',
      'macd:5,26,9',
      'bb:20,2',
      'psar:0.02,0.2',
      'ichimoku:9,26,52,26',
      'obv',
      'vwap:24',
      'stochrsi:7,14,3,3',
      'doji',
    ]);
    expect(keys('bb:20,2.0,psar:.02,0.20,roc:012')).toEqual(['bb:20,2', 'psar:0.02,0.2', 'roc:12']);
  });

  it('ignores case and spaces, and keeps a spec listed twice once', () => {
    expect(keys(' RSI : 14 , Ema:50 ,rsi, rsi:14')).toEqual(['rsi:14', 'ema:50']);
    expect(keys('rsi:7,rsi:14')).toEqual(['rsi:7', 'rsi:14']);
  });

  it('refuses an unknown indicator, listing the known ones', () => {
    const error = refusal('rsi,foo:3');
    expect(error.field).toBe('indicators');
    expect(error.token).toBe('foo:3');
    expect(error.message).toContain('Unknown indicator "foo"');
    expect(error.message).toContain('sma, ema, wma, rsi, macd, bb');
    expect(error.message).toContain('bullishengulfing');
    // A word where a number belongs starts a new (unknown) indicator.
    expect(refusal('rsi:14,abc').message).toContain('Unknown indicator "abc"');
  });

  it('refuses too many parameters, listing the parameters with their ranges', () => {
    const error = refusal('rsi:14,3');
    expect(error.field).toBe('rsi');
    expect(error.message).toBe(
      'rsi takes at most 1 parameter, got 2 in "rsi:14,3"; rsi takes period (integer 2..1000, default 14)',
    );
    expect(refusal('macd:12,26,9,4').message).toContain(
      'macd takes at most 3 parameters, got 4 in "macd:12,26,9,4"; macd takes fastPeriod (integer 2..1000, default 12), slowPeriod (integer 2..1000, default 26), signalPeriod (integer 1..1000, default 9)',
    );
    expect(refusal('obv:3').message).toContain('obv takes no parameters, got 1');
    expect(refusal('doji:1').field).toBe('doji');
  });

  it.each([
    ['rsi:1', 'rsi.period', 'rsi period must be an integer from 2 to 1000, got "1" in "rsi:1"'],
    ['rsi:1001', 'rsi.period', 'must be an integer from 2 to 1000, got "1001"'],
    ['rsi:-5', 'rsi.period', 'must be an integer from 2 to 1000, got "-5"'],
    ['bb:20,0', 'bb.stdDev', 'bb stdDev must be a number greater than 0 and at most 10, got "0"'],
    ['bb:20,11', 'bb.stdDev', 'greater than 0 and at most 10, got "11"'],
    ['psar:0,0.2', 'psar.step', 'psar step must be a number greater than 0 and at most 1'],
  ])('refuses %s as out of range', (text, field, message) => {
    const error = refusal(text);
    expect(error.field).toBe(field);
    expect(error.message).toContain(message);
    expect(error.message).toContain(' takes ');
  });

  it('refuses a fraction where a whole number belongs', () => {
    const error = refusal('rsi:14.5');
    expect(error.field).toBe('rsi.period');
    expect(error.message).toContain('rsi period must be a whole number from 2 to 1000, got "14.5"');
  });

  it.each([
    ['rsi:abc', 'rsi.period', '"abc"'],
    ['rsi:1e3', 'rsi.period', '"1e3"'],
    ['rsi:', 'rsi.period', '""'],
    ['rsi:14:2', 'rsi.period', '"14:2"'],
    ['macd:12,0x1a', 'macd.slowPeriod', '"0x1a"'],
  ])('refuses %s as not a number', (text, field, got) => {
    const error = refusal(text);
    expect(error.field).toBe(field);
    expect(error.message).toContain(`must be a number, got ${got}`);
  });

  it('refuses parameters that contradict each other', () => {
    expect(refusal('macd:26,12').message).toContain(
      'macd fastPeriod (26) must be less than slowPeriod (12) in "macd:26,12"',
    );
    expect(refusal('psar:0.3,0.2').message).toContain('psar step (0.3) must not exceed max (0.2)');
    expect(refusal('vwap:5').message).toContain('sessionHours must divide a day');
    expect(refusal('macd:26,12').field).toBe('macd');
  });

  it('refuses an empty list, an empty entry and a parameter with no indicator', () => {
    expect(refusal('').message).toContain('No indicators given');
    expect(refusal('  ').field).toBe('indicators');
    expect(refusal('rsi,,ema').message).toContain('Empty entry in "rsi,,ema"');
    expect(refusal('rsi,').message).toContain('Empty entry');
    const orphan = refusal('14,rsi');
    expect(orphan.token).toBe('14');
    expect(orphan.message).toContain('"14" is a parameter with no indicator before it');
  });

  it('is an Error with its class name', () => {
    const error = refusal('foo');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('IndicatorSpecError');
  });
});

describe('createIndicatorSpec', () => {
  it('validates like the parser and fills defaults', () => {
    expect(createIndicatorSpec('MACD', [10])).toEqual({
      name: 'macd',
      params: [10, 26, 9],
      key: 'macd:10,26,9',
    });
    expect(() => createIndicatorSpec('rsi', [0])).toThrow(IndicatorSpecError);
    expect(() => createIndicatorSpec('rsi', [Number.NaN])).toThrow(/must be a number/);
    expect(() => createIndicatorSpec('nope')).toThrow(/Unknown indicator "nope"/);
  });
});
