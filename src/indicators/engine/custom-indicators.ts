import {
  defineIndicator,
  periodParam,
  runState,
  valueOutput,
  type IndicatorOutputDefinition,
  type IndicatorState,
} from './indicator-definition';

/*
 * Catalogue entries we compute ourselves because technicalindicators gets them wrong, not just
 * rounded (QUIRKS.md). Each is one incremental state; the bulk values are that state run over the
 * series, so bulk and incremental agree by construction.
 */

const ADX_OUTPUTS: readonly IndicatorOutputDefinition[] = [
  { name: 'adx', description: 'average directional index, 0..100', unit: 'percent' },
  { name: 'plusDi', description: '+DI, 0..100', unit: 'percent' },
  { name: 'minusDi', description: '-DI, 0..100', unit: 'percent' },
];

/**
 * ADX with the library's arithmetic, operation for operation: Wilder running sums of TR, +DM and
 * -DM from candle 1 (the first sum at candle `period`), DI = sum DM * 100 / sum TR,
 * DX = |+DI - -DI| / (+DI + -DI) * 100, ADX = Wilder average of DX seeded with the mean of the
 * first `period` DX.
 *
 * Why not the library: with no directional movement in the first window (+DI + -DI = 0) or no range
 * at all (sum TR = 0) its DX is 0/0 = NaN, and the Wilder average carries that NaN into every later
 * ADX of the market, for good. A quiet stablecoin pair does that. Here such a DX is 0 and such DIs
 * are 0. The library also holds the DIs back until the ADX exists; here they start at `period`.
 */
function adxState(period: number): IndicatorState {
  let previous: { high: number; low: number; close: number } | undefined;
  let seeded = 0;
  let trueRangeSum = 0;
  let plusSum = 0;
  let minusSum = 0;
  let dxSeen = 0;
  let dxSeedSum = 0;
  let adx: number | undefined;
  return {
    next: (candle) => {
      const last = previous;
      previous = { high: candle.high, low: candle.low, close: candle.close };
      if (last === undefined) {
        return { adx: null, plusDi: null, minusDi: null };
      }
      const trueRange = Math.max(
        candle.high - candle.low,
        Math.abs(candle.high - last.close),
        Math.abs(candle.low - last.close),
      );
      const upMove = candle.high - last.high;
      const downMove = last.low - candle.low;
      const plusDm = upMove > downMove && upMove > 0 ? upMove : 0;
      const minusDm = downMove > upMove && downMove > 0 ? downMove : 0;
      if (seeded < period) {
        seeded++;
        trueRangeSum += trueRange;
        plusSum += plusDm;
        minusSum += minusDm;
        if (seeded < period) {
          return { adx: null, plusDi: null, minusDi: null };
        }
      } else {
        trueRangeSum = trueRangeSum - trueRangeSum / period + trueRange;
        plusSum = plusSum - plusSum / period + plusDm;
        minusSum = minusSum - minusSum / period + minusDm;
      }
      const plusDi = trueRangeSum === 0 ? 0 : (plusSum * 100) / trueRangeSum;
      const minusDi = trueRangeSum === 0 ? 0 : (minusSum * 100) / trueRangeSum;
      const diSum = plusDi + minusDi;
      const dx = diSum === 0 ? 0 : (Math.abs(plusDi - minusDi) / diSum) * 100;
      if (adx !== undefined) {
        adx = (dx - adx) * (1 / period) + adx;
      } else {
        dxSeen++;
        dxSeedSum += dx;
        if (dxSeen === period) {
          adx = dxSeedSum / period;
        }
      }
      return { adx: adx ?? null, plusDi, minusDi };
    },
  };
}

export const adxIndicator = defineIndicator({
  name: 'adx',
  title: 'Average directional index with +DI and -DI (Wilder)',
  category: 'trend',
  memory: 'recursive',
  params: [periodParam(14)],
  outputs: ADX_OUTPUTS,
  warmupRule: 'plusDi, minusDi: period; adx: 2 * period - 1',
  warmup: ([period]) => ({ adx: 2 * period - 1, plusDi: period, minusDi: period }),
  computeBulk: (series, [period]) => runState(adxState(period), series, ADX_OUTPUTS),
  createState: ([period]) => adxState(period),
  notes:
    'Computed here: the library turns a 0/0 DX into a NaN that poisons every later ADX of the market.',
});

/**
 * MFI from its definition: typical price (high + low + close) / 3, raw money flow = typical price *
 * volume, positive when the typical price rose from the previous candle, negative when it fell,
 * neither when unchanged; MFI = 100 - 100 / (1 + positive sum / negative sum) over the last
 * `period` flows. Negative sum 0 gives 100; both sums 0 (no flow at all) gives null.
 *
 * Why not the library: it counts an unchanged typical price as negative flow, drops the first
 * candle (first value at `period + 1`) and rounds to 2 decimals. The window sums are recomputed
 * from the `period` stored flows on every candle, so they never drift.
 */
function mfiState(period: number): IndicatorState {
  const positiveFlows = new Array<number>(period).fill(0);
  const negativeFlows = new Array<number>(period).fill(0);
  let flows = 0;
  let previousTypicalPrice: number | undefined;
  return {
    next: (candle) => {
      const typicalPrice = (candle.high + candle.low + candle.close) / 3;
      const last = previousTypicalPrice;
      previousTypicalPrice = typicalPrice;
      if (last === undefined) {
        return { value: null };
      }
      const moneyFlow = typicalPrice * candle.volume;
      const slot = flows % period;
      positiveFlows[slot] = typicalPrice > last ? moneyFlow : 0;
      negativeFlows[slot] = typicalPrice < last ? moneyFlow : 0;
      flows++;
      if (flows < period) {
        return { value: null };
      }
      let positiveSum = 0;
      let negativeSum = 0;
      // Both arrays hold exactly `period` flows.
      for (let index = 0; index < period; index++) {
        positiveSum += positiveFlows[index] as number;
        negativeSum += negativeFlows[index] as number;
      }
      if (negativeSum === 0) {
        return { value: positiveSum === 0 ? null : 100 };
      }
      return { value: 100 - 100 / (1 + positiveSum / negativeSum) };
    },
  };
}

export const mfiIndicator = defineIndicator({
  name: 'mfi',
  title: 'Money flow index',
  category: 'volume',
  memory: 'window',
  params: [periodParam(14)],
  outputs: valueOutput('percent'),
  warmupRule: 'period',
  warmup: ([period]) => ({ value: period }),
  computeBulk: (series, [period]) => runState(mfiState(period), series),
  createState: ([period]) => mfiState(period),
  notes:
    'Computed here: the library counts an unchanged typical price as negative flow, skips the first candle and rounds.',
});

const HOUR_MS = 3_600_000;

/**
 * Session VWAP: sum(typical price * volume) / sum(volume) since the start of the candle's session,
 * sessions starting every `sessionHours` hours from UTC midnight (24: the UTC day). The session of a
 * candle is found from its open time, so gaps in the candles do not matter. A session with no
 * volume yet is 0/0: null.
 *
 * Why not the library: its VWAP never resets, it accumulates from the first candle it is given, so
 * the value depends on where the series starts and flattens into a long-run average. The first
 * session of a series can still be partial (it starts mid-session): load a session of history.
 */
function vwapState(sessionHours: number): IndicatorState {
  const sessionMs = sessionHours * HOUR_MS;
  let session: number | undefined;
  let priceVolumeSum = 0;
  let volumeSum = 0;
  return {
    next: (candle) => {
      const candleSession = Math.floor(candle.openTime / sessionMs);
      if (candleSession !== session) {
        session = candleSession;
        priceVolumeSum = 0;
        volumeSum = 0;
      }
      priceVolumeSum += ((candle.high + candle.low + candle.close) / 3) * candle.volume;
      volumeSum += candle.volume;
      return { value: volumeSum > 0 ? priceVolumeSum / volumeSum : null };
    },
  };
}

export const vwapIndicator = defineIndicator({
  name: 'vwap',
  title: 'Volume-weighted average price, reset every session',
  category: 'volume',
  memory: 'session',
  params: [
    {
      name: 'sessionHours',
      description: 'session length in hours, sessions start at UTC midnight (24: the UTC day)',
      type: 'integer',
      default: 24,
      min: 1,
      max: 24,
    },
  ],
  outputs: valueOutput('price'),
  warmupRule: '0 (the first session of a series may be partial)',
  warmup: () => ({ value: 0 }),
  checkParams: ([sessionHours]) =>
    24 % sessionHours === 0
      ? undefined
      : `sessionHours must divide a day (1, 2, 3, 4, 6, 8, 12 or 24), got ${sessionHours}`,
  computeBulk: (series, [sessionHours]) => runState(vwapState(sessionHours), series),
  createState: ([sessionHours]) => vwapState(sessionHours),
  notes:
    'Computed here: the library never resets, so its value depends on where the series starts. Resets at each session start (UTC).',
});
