import type { Candle } from '../market-data/candle';
import type { SimulatedMarket } from './simulated-market-data';

/** How Binance's spot API writes what the simulator serves: kline rows, kline events, symbols. */

/** `symbols=["BTCUSDT","ETHUSDT"]` as Binance takes it. */
export function symbolsParam(params: URLSearchParams): string[] | undefined {
  const text = params.get('symbols');
  if (text === null) {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

/** One row of `/api/v3/klines`. */
export function klineRow(candle: Candle, stepMs: number): unknown[] {
  return [
    candle.openTime,
    String(candle.open),
    String(candle.high),
    String(candle.low),
    String(candle.close),
    String(candle.volume),
    candle.openTime + stepMs - 1,
    String(candle.quoteVolume ?? 0),
    candle.tradeCount ?? 0,
    String(candle.takerBuyBaseVolume ?? 0),
    String(candle.takerBuyQuoteVolume ?? 0),
    '0',
  ];
}

/** The kline stream of a market and interval: `btcusdt@kline_1h`. */
export function streamName(symbol: string, interval: string): string {
  return `${symbol.toLowerCase()}@kline_${interval}`;
}

/** A websocket kline event (`x: true` once the candle is closed), sent at `eventTime`. */
export function klineEvent(params: {
  symbol: string;
  interval: string;
  stepMs: number;
  candle: Candle;
  closed: boolean;
  eventTime: number;
}): unknown {
  const { symbol, interval, stepMs, candle, closed } = params;
  return {
    e: 'kline',
    E: params.eventTime,
    s: symbol,
    k: {
      t: candle.openTime,
      T: candle.openTime + stepMs - 1,
      s: symbol,
      i: interval,
      f: 100,
      L: 200,
      o: String(candle.open),
      c: String(candle.close),
      h: String(candle.high),
      l: String(candle.low),
      v: String(candle.volume),
      n: candle.tradeCount ?? 0,
      x: closed,
      q: String(candle.quoteVolume ?? 0),
      V: String(candle.takerBuyBaseVolume ?? 0),
      Q: String(candle.takerBuyQuoteVolume ?? 0),
      B: '0',
    },
  };
}

/** A market as `/api/v3/exchangeInfo` lists it. */
export function exchangeInfoSymbol(market: SimulatedMarket): unknown {
  return {
    symbol: market.symbol,
    status: market.status ?? 'TRADING',
    baseAsset: market.baseAsset,
    baseAssetPrecision: 8,
    quoteAsset: market.quoteAsset,
    quotePrecision: 8,
    quoteAssetPrecision: 8,
    baseCommissionPrecision: 8,
    quoteCommissionPrecision: 8,
    orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET', 'STOP_LOSS_LIMIT', 'TAKE_PROFIT_LIMIT'],
    icebergAllowed: true,
    ocoAllowed: true,
    otoAllowed: true,
    quoteOrderQtyMarketAllowed: true,
    allowTrailingStop: true,
    cancelReplaceAllowed: true,
    isSpotTradingAllowed: true,
    isMarginTradingAllowed: false,
    filters: [
      {
        filterType: 'PRICE_FILTER',
        minPrice: '0.00010000',
        maxPrice: '1000000.00000000',
        tickSize: '0.00010000',
      },
      {
        filterType: 'LOT_SIZE',
        minQty: '0.00001000',
        maxQty: '9000.00000000',
        stepSize: '0.00001000',
      },
      {
        filterType: 'NOTIONAL',
        minNotional: '5.00000000',
        applyMinToMarket: true,
        maxNotional: '9000000.00000000',
        applyMaxToMarket: false,
        avgPriceMins: 5,
      },
    ],
    permissions: [],
    permissionSets: [['SPOT']],
    defaultSelfTradePreventionMode: 'EXPIRE_MAKER',
    allowedSelfTradePreventionModes: ['EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}
