import { join } from 'node:path';
import type { Candle } from '../../market-data/candle';
import { defaultIndicatorSpecs, indicatorOutputs } from '../../indicators/engine/indicator-spec';
import { readCandleCsv } from '../../simulator/candle-series';
import { buildDataset, latestWindow } from './dataset';
import { DEFAULT_FEATURES, type FeatureName } from './feature-spec';
import {
  computeFeatures,
  featureSeedCandles,
  featureWarmupCandles,
  type MarketCandles,
} from './features';

const HOUR_MS = 3_600_000;
const fixture = (name: string) =>
  readCandleCsv(join(__dirname, '..', '..', '..', 'test', 'fixtures', 'klines', name));
/** The model's market: ETH 1h; the other market its inputs read: BTC 1h, same 1000 hours. */
const ETH = fixture('ETHUSDT-1h-2022-08-20_2022-09-30.csv');
const BTC = fixture('BTCUSDT-1h-2022-08-20_2022-09-30.csv');
const MARKETS: MarketCandles = new Map([['BTC', BTC]]);

/** Every output of every catalogue indicator at its default parameters. */
const CATALOGUE_FEATURES: FeatureName[] = defaultIndicatorSpecs().flatMap((spec) =>
  indicatorOutputs(spec).map((output) => `${spec.key}.${output}`),
);
/** The built-ins, the whole catalogue, and both again read from BTC. */
const EVERY_FEATURE: FeatureName[] = [
  ...DEFAULT_FEATURES,
  ...CATALOGUE_FEATURES,
  ...DEFAULT_FEATURES.map((feature) => `BTC/${feature}`),
  ...CATALOGUE_FEATURES.map((feature) => `BTC/${feature}`),
];

function columns(features: readonly FeatureName[], candles = ETH, markets = MARKETS) {
  return computeFeatures({ candles, features, markets });
}

/** Population mean and standard deviation, the textbook way. */
function meanStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
  return { mean, std: Math.sqrt(variance) };
}

function expectClose(actual: number | null | undefined, expected: number, relative = 1e-9): void {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(
    relative * Math.max(1, Math.abs(expected)),
  );
}

describe('indicator outputs as model inputs', () => {
  it('makes price levels relative to the close: ema:50.value = EMA / close - 1', () => {
    // EMA written out: k = 2 / 51, seeded with the SMA of the first 50 closes.
    const k = 2 / 51;
    let ema = ETH.slice(0, 50).reduce((sum, candle) => sum + candle.close, 0) / 50;
    const expected: (number | null)[] = ETH.map(() => null);
    expected[49] = ema / ETH[49]!.close - 1;
    for (let i = 50; i < ETH.length; i++) {
      ema = ETH[i]!.close * k + ema * (1 - k);
      expected[i] = ema / ETH[i]!.close - 1;
    }
    const column = columns(['ema:50.value'])['ema:50.value']!;
    expect(column.slice(0, 49).every((value) => value === null)).toBe(true);
    for (let i = 49; i < ETH.length; i++) {
      expectClose(column[i], expected[i]!);
    }
  });

  it('scales bounded oscillators to about [-0.5, 0.5] and keeps the built-ins as they were', () => {
    const got = columns([
      'rsi',
      'rsi:14.value',
      'bbPercentB',
      'bb:20,2.percentB',
      'macdHistogram',
      'macd:12,26,9.histogram',
      'atrRatio',
      'atr:14.value',
      'williamsr:14.value',
      'doji.value',
    ]);
    for (let i = 0; i < ETH.length; i++) {
      // The built-ins are these outputs with the same transforms (%b: the built-in is not centred).
      expect(got['rsi:14.value']![i]).toBe(got.rsi![i]);
      expect(got['macd:12,26,9.histogram']![i]).toBe(got.macdHistogram![i]);
      expect(got['atr:14.value']![i]).toBe(got.atrRatio![i]);
      const percentB = got.bbPercentB![i];
      expect(got['bb:20,2.percentB']![i]).toBe(percentB === null ? null : percentB! - 0.5);
    }
    // Williams %R (-100..0) and a pattern flag (0 or 1) land in [-0.5, 0.5].
    const williams = got['williamsr:14.value']!.filter((v): v is number => v !== null);
    expect(Math.min(...williams)).toBeGreaterThanOrEqual(-0.5);
    expect(Math.max(...williams)).toBeLessThanOrEqual(0.5);
    expect(new Set(got['doji.value']!.filter((v) => v !== null))).toEqual(new Set([-0.5, 0.5]));
  });

  it('turns outputs without a scale of their own into a rolling z-score over 48 candles', () => {
    // OBV written out (signed volume from candle 1 on), then the z-score of its last 48 values.
    const obv: number[] = [0];
    for (let i = 1; i < ETH.length; i++) {
      const sign = Math.sign(ETH[i]!.close - ETH[i - 1]!.close);
      obv.push(obv[i - 1]! + sign * ETH[i]!.volume);
    }
    const column = columns(['obv.value'])['obv.value']!;
    // OBV has no value at candle 0, so the first full window ends at candle 48.
    expect(column.slice(0, 48).every((value) => value === null)).toBe(true);
    for (let i = 48; i < ETH.length; i++) {
      const { mean, std } = meanStd(obv.slice(i - 47, i + 1));
      expectClose(column[i], (obv[i]! - mean) / std, 1e-7);
    }
  });

  it('gives every catalogue output a value that does not scale with the price', () => {
    // Prices x 1024 (exact in binary floating point): a stationary input does not move.
    const scaled = ETH.map((candle) => ({
      ...candle,
      open: candle.open * 1024,
      high: candle.high * 1024,
      low: candle.low * 1024,
      close: candle.close * 1024,
    }));
    const plain = columns(CATALOGUE_FEATURES);
    const moved = columns(CATALOGUE_FEATURES, scaled);
    for (const feature of CATALOGUE_FEATURES) {
      const values = plain[feature]!;
      expect([feature, values.filter((value) => value !== null).length > 300]).toEqual([
        feature,
        true,
      ]);
      values.forEach((value, i) => {
        const other = moved[feature]![i]!;
        const same = value === null ? other === null : Math.abs(other - value) <= 1e-9;
        expect([feature, i, same]).toEqual([feature, i, true]);
      });
    }
  });
});

describe('inputs from another market', () => {
  it('reads that market candle by candle at the same open time, null where it has none', () => {
    const missing = BTC.filter((_, i) => i !== 500);
    const got = columns(['BTC/logReturn', 'BTC/volumeZScore'], ETH, new Map([['BTC', missing]]));
    const own = columns(['logReturn'], BTC).logReturn!;
    expect(got['BTC/logReturn']![400]).toBe(own[400]);
    expect(got['BTC/logReturn']![500]).toBeNull();
    expect(got['BTC/volumeZScore']![500]).toBeNull();
    // Missing in the other market makes the row unusable: no window holds it.
    const dataset = buildDataset({
      candles: ETH,
      intervalMs: HOUR_MS,
      features: ['logReturn', 'BTC/logReturn'],
      lookback: 8,
      horizon: 1,
      markets: new Map([['BTC', missing]]),
    });
    expect(dataset.rows[500]).toBeNull();
    expect(dataset.samples.some((s) => s.end >= 500 && s.end - 7 <= 500)).toBe(false);
  });

  it('has no look-ahead: changing either market after candle t leaves every value up to t alone', () => {
    const cut = 600;
    const later = (candles: readonly Candle[]) =>
      candles.map((candle, i) =>
        i > cut
          ? {
              ...candle,
              close: candle.close * 1.7,
              high: candle.high * 1.9,
              low: candle.low * 0.6,
              volume: candle.volume * 13,
            }
          : candle,
      );
    const reference = columns(EVERY_FEATURE);
    for (const [own, btc] of [
      [later(ETH), BTC],
      [ETH, later(BTC)],
      // The other market's candles after the model's last candle are there or not: same values.
      [ETH.slice(0, cut + 1), BTC],
    ] as const) {
      const changed = columns(EVERY_FEATURE, own, new Map([['BTC', btc]]));
      for (const feature of EVERY_FEATURE) {
        const before = changed[feature]!.slice(0, cut + 1);
        expect([feature, before]).toEqual([feature, reference[feature]!.slice(0, cut + 1)]);
      }
    }
  });
});

describe('warm-up and seed follow the inputs', () => {
  it('counts the leading candles without a value of each input', () => {
    const got = columns(EVERY_FEATURE);
    for (const feature of EVERY_FEATURE) {
      const firstValue = got[feature]!.findIndex((value) => value !== null);
      expect([feature, firstValue <= featureWarmupCandles([feature])]).toEqual([feature, true]);
    }
    expect(featureWarmupCandles()).toBe(47);
    expect(featureWarmupCandles(['logReturn', 'ichimoku.cloudA'])).toBe(77);
    expect(featureWarmupCandles(['BTC/obv.value'])).toBe(48);
  });

  it('loads enough history for live rows to equal the rows of the whole history', () => {
    const lookback = 8;
    for (const features of [
      [...DEFAULT_FEATURES, 'BTC/logReturn', 'BTC/volumeZScore', 'ema:50.value'],
      ['logReturn', 'BTC/logReturn', 'ema:20.value', 'BTC/rsi:14.value', 'obv.value'],
      EVERY_FEATURE,
    ]) {
      const seed = featureSeedCandles(features, HOUR_MS);
      expect(seed).toBeGreaterThanOrEqual(
        Math.max(...features.map((feature) => featureWarmupCandles([feature]))),
      );
      const full = buildDataset({
        candles: ETH,
        intervalMs: HOUR_MS,
        features,
        lookback,
        horizon: 0,
        markets: MARKETS,
      });
      const recent = ETH.slice(ETH.length - seed - lookback);
      const live = latestWindow({
        candles: recent,
        intervalMs: HOUR_MS,
        features,
        lookback,
        markets: new Map([['BTC', BTC.filter((candle) => candle.openTime >= recent[0]!.openTime)]]),
      })!;
      expect(live).toBeDefined();
      for (let step = 1; step <= lookback; step++) {
        const liveRow = live.dataset.rows[recent.length - step]!;
        const fullRow = full.rows[ETH.length - step]!;
        liveRow.forEach((value, f) => {
          const same = Math.abs(value - fullRow[f]!) <= 1e-9 * Math.max(1, Math.abs(fullRow[f]!));
          expect([features[f], step, same]).toEqual([features[f], step, true]);
        });
      }
    }
  });
});
