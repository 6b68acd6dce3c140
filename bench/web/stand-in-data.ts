/**
 * The stand-in API's data: 20 markets at 1m and 1h, each a deterministic random walk of
 * HISTORY_HOURS candles up to the last closed one, with forecasts and signals to match.
 */

export const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
export const HISTORY_HOURS = 6_000;
export const SYMBOLS = [
  'BTC',
  'ETH',
  'SOL',
  'ADA',
  'XRP',
  'DOGE',
  'DOT',
  'LINK',
  'LTC',
  'BCH',
].concat(['AVAX', 'ATOM', 'UNI', 'XLM', 'ETC', 'FIL', 'TRX', 'NEAR', 'APT', 'ARB']);
const NOW = Math.floor(Date.now() / HOUR_MS) * HOUR_MS;
export const LAST_HOUR = NOW - HOUR_MS;
const LAST_MINUTE = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS - MINUTE_MS;

/** A deterministic random walk per symbol and interval: candle `index` steps after the origin. */
export function candleAt(symbol: string, stepMs: number, openTime: number) {
  const index = Math.round(openTime / stepMs);
  const seed = [...symbol].reduce((sum, char) => sum + char.charCodeAt(0), 0);
  const wave = (k: number) =>
    Math.sin(k * 0.013 + seed) * 0.08 + Math.sin(k * 0.0011 + seed) * 0.25;
  const noise = (k: number) => ((Math.sin(k * 12.9898 + seed * 78.233) * 43758.5453) % 1) * 0.006;
  const level = (k: number) => 100 * (1 + seed / 50) * Math.exp(wave(k) + noise(k));
  const open = level(index - 1);
  const close = level(index);
  return {
    openTime: new Date(openTime).toISOString(),
    open,
    high: Math.max(open, close) * 1.002,
    low: Math.min(open, close) * 0.998,
    close,
    volume: 100 + Math.abs(noise(index * 3)) * 20_000,
  };
}

export const stepOf = (interval: string) => (interval === '1m' ? MINUTE_MS : HOUR_MS);
export const lastOf = (interval: string) => (interval === '1m' ? LAST_MINUTE : LAST_HOUR);

export function markets() {
  return SYMBOLS.flatMap((symbol) =>
    ['1m', '1h'].map((interval) => ({
      symbol,
      pair: `${symbol}USDT`,
      interval,
      exchange: 'binance',
      firstOpenTime: new Date(
        lastOf(interval) - (HISTORY_HOURS - 1) * stepOf(interval),
      ).toISOString(),
      lastOpenTime: new Date(lastOf(interval)).toISOString(),
      count: HISTORY_HOURS,
      missing: 0,
      knownGaps: [],
      live: { connected: true, owner: 'bench', lastClosedOpenTime: null, lagMs: 1_000 },
    })),
  );
}

export function prediction(symbol: string, interval: string, lastOpenTime: number) {
  const last = candleAt(symbol, stepOf(interval), lastOpenTime).close;
  return {
    symbol,
    pair: `${symbol}USDT`,
    interval,
    openTime: new Date(lastOpenTime).toISOString(),
    targetTime: new Date(lastOpenTime + stepOf(interval)).toISOString(),
    kind: 'baseline',
    horizon: 1,
    lastClose: last,
    predictedClose: last,
    predictedReturn: 0,
    probabilityUp: 0.5,
    model: null,
    horizons: [1, 4, 24].map((horizon) => ({
      horizon,
      targetTime: new Date(lastOpenTime + horizon * stepOf(interval)).toISOString(),
      predictedReturn: 0,
      predictedClose: last,
      median: 0,
      lower: -0.01 * Math.sqrt(horizon),
      upper: 0.01 * Math.sqrt(horizon),
      lowerClose: last * Math.exp(-0.01 * Math.sqrt(horizon)),
      upperClose: last * Math.exp(0.01 * Math.sqrt(horizon)),
      volatility: 0.008 * Math.sqrt(horizon),
      probabilityUp: 0.52,
    })),
  };
}

export function signal(
  symbol: string,
  interval: string,
  openTime: number,
  action: 'BUY' | 'SELL' | 'HOLD',
) {
  return {
    symbol,
    pair: `${symbol}USDT`,
    interval,
    strategyId: '00000000-0000-4000-8000-000000000001',
    strategyName: 'default',
    strategyVersion: 1,
    openTime: new Date(openTime).toISOString(),
    action,
    score: action === 'BUY' ? 0.6 : action === 'SELL' ? -0.6 : 0,
    confidence: 0.6,
    close: candleAt(symbol, stepOf(interval), openTime).close,
    reasons: [{ label: 'RSI below 30', input: 'rsi', value: 27.5, weight: 0.5 }],
    prediction: null,
    modelVersionId: null,
    createdAt: new Date(openTime + stepOf(interval)).toISOString(),
  };
}

export const CATALOGUE = [
  {
    name: 'ema',
    title: 'Exponential moving average',
    category: 'trend',
    memory: 'recursive',
    params: [],
    outputs: [{ name: 'value', description: 'the indicator value', unit: 'price' }],
    defaultSpec: 'ema:20',
    warmupRule: '',
    defaultWarmup: 20,
    notes: null,
  },
  {
    name: 'rsi',
    title: 'Relative strength index',
    category: 'momentum',
    memory: 'recursive',
    params: [],
    outputs: [{ name: 'value', description: 'the indicator value', unit: 'percent' }],
    defaultSpec: 'rsi:14',
    warmupRule: '',
    defaultWarmup: 15,
    notes: null,
  },
];
