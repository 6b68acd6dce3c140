import {
  FeatureListError,
  FeatureSpecError,
  parseFeature,
  parseFeatureList,
  splitFeatureList,
  type FeatureContext,
} from './feature-spec';

const ETH_MODEL: FeatureContext = { market: 'ETH', otherMarkets: ['BTC', 'ETH', 'SOL'] };

function problems(values: unknown[], context: FeatureContext = ETH_MODEL) {
  try {
    parseFeatureList(values, context);
  } catch (error) {
    if (error instanceof FeatureListError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error(`${JSON.stringify(values)} was accepted`);
}

function refusal(text: string, context: FeatureContext = ETH_MODEL): string {
  try {
    parseFeature(text, context);
  } catch (error) {
    if (error instanceof FeatureSpecError) {
      return error.message;
    }
    throw error;
  }
  throw new Error(`"${text}" was accepted`);
}

describe('feature grammar', () => {
  it('writes every input in one canonical form, so equal inputs are equal strings', () => {
    const canonical = (text: string) => parseFeature(text, ETH_MODEL).key;
    expect(canonical('logReturn')).toBe('logReturn');
    expect(canonical(' LOGRETURN ')).toBe('logReturn');
    // A bare built-in name is the built-in, even where an indicator has that name.
    expect(canonical('rsi')).toBe('rsi');
    expect(canonical('rsi:14')).toBe('rsi:14.value');
    expect(canonical('ema')).toBe('ema:20.value');
    expect(canonical('EMA:50')).toBe('ema:50.value');
    expect(canonical('ema:50.0.Value')).toBe('ema:50.value');
    expect(canonical('macd.signal')).toBe('macd:12,26,9.signal');
    expect(canonical('macd:12, 26 ,9.histogram')).toBe('macd:12,26,9.histogram');
    expect(canonical('bb:20,2.percentb')).toBe('bb:20,2.percentB');
    expect(canonical('bb:20,2.0.percentB')).toBe('bb:20,2.percentB');
    // A real parameter's dot is not an output's.
    expect(canonical('psar:0.02,0.2')).toBe('psar:0.02,0.2.value');
    expect(canonical('psar:.02,0.20.value')).toBe('psar:0.02,0.2.value');
    expect(canonical('obv')).toBe('obv.value');
    expect(canonical('doji')).toBe('doji.value');
    expect(canonical('btc/logReturn')).toBe('BTC/logReturn');
    expect(canonical('BTC/volumeZScore')).toBe('BTC/volumeZScore');
    expect(canonical('BTC/rsi:14')).toBe('BTC/rsi:14.value');
    expect(canonical('BTC / macd.signal')).toBe('BTC/macd:12,26,9.signal');
  });

  it('parses into the indicator, its output and unit, and the market read', () => {
    expect(parseFeature('BTC/bb:20,2.percentB', ETH_MODEL)).toEqual({
      kind: 'indicator',
      key: 'BTC/bb:20,2.percentB',
      market: 'BTC',
      indicator: { name: 'bb', params: [20, 2], key: 'bb:20,2' },
      output: 'percentB',
      unit: 'fraction',
    });
    expect(parseFeature('atrRatio')).toEqual({
      kind: 'builtin',
      name: 'atrRatio',
      key: 'atrRatio',
    });
  });

  it('refuses what is not an input, saying what is valid', () => {
    expect(refusal('vibes')).toMatch(
      /"vibes" is neither a built-in input \(logReturn, .*\) nor an indicator of the catalogue \(sma, ema, .*\)/,
    );
    expect(refusal('macd:12,26,9')).toBe(
      '"macd:12,26,9": macd:12,26,9 has 3 outputs; name one of macd:12,26,9.macd, macd:12,26,9.signal, macd:12,26,9.histogram',
    );
    expect(refusal('bb.width')).toBe(
      '"bb.width": bb:20,2 has no output "width"; its outputs: bb:20,2.lower, bb:20,2.middle, bb:20,2.upper, bb:20,2.percentB, bb:20,2.bandwidth',
    );
    expect(refusal('macd:26,12.signal')).toMatch(/fastPeriod \(26\) must be less than slowPeriod/);
    expect(refusal('ema:1.value')).toMatch(/ema period must be an integer from 2 to 1000/);
    expect(refusal('ema:x')).toMatch(/ema period must be a number/);
    expect(refusal('rsi:14,3')).toMatch(/rsi takes at most 1 parameter/);
    expect(refusal('DOGE/logReturn')).toBe(
      '"DOGE/logReturn": market DOGE is not in the catalogue (known: BTC, ETH, SOL)',
    );
    expect(refusal('ETH/logReturn')).toBe(
      `"ETH/logReturn" names the model's own market; write the input without "ETH/"`,
    );
    expect(refusal('BTC/ETH/logReturn')).toMatch(/names more than one market/);
    expect(refusal('BTC/sentiment')).toMatch(/sentiment is not read from another market/);
    expect(refusal('BTC/logReturn', {})).toMatch(
      /reads BTC's candles, which are not available here/,
    );
    expect(refusal('  ')).toMatch(/is empty/);
    expect(refusal(`ema:${'1'.repeat(120)}`)).toMatch(/longer than 100 characters/);
  });

  it('checks a list, naming each bad entry by its place', () => {
    expect(
      parseFeatureList(['rsi', 'ema:50', 'BTC/logReturn', 'BTC/macd.signal'], ETH_MODEL),
    ).toEqual(['rsi', 'ema:50.value', 'BTC/logReturn', 'BTC/macd:12,26,9.signal']);
    expect(problems(['logReturn', 7, 'vibes', 'ema:50.value', 'EMA:50', 'sentiment'])).toEqual([
      { field: 'features[1]', problem: 'must be a string' },
      { field: 'features[2]', problem: expect.stringContaining('"vibes" is neither') },
      { field: 'features[4]', problem: 'repeats features[3] (both are ema:50.value)' },
      {
        field: 'features[5]',
        problem: 'sentiment is not chosen: it joins by itself where a series covers the candles',
      },
    ]);
    expect(problems([])).toEqual([{ field: 'features', problem: 'must name from 1 to 64 inputs' }]);
  });

  it('splits a command-line list: a piece starting with a letter starts an input', () => {
    expect(
      splitFeatureList('logReturn,macd:12,26,9.signal,BTC/bb:20,2.5.percentB,psar:0.02,0.2'),
    ).toEqual(['logReturn', 'macd:12,26,9.signal', 'BTC/bb:20,2.5.percentB', 'psar:0.02,0.2']);
  });
});
