import { Logger } from '@nestjs/common';
import type { Exchange } from 'ccxt';
import type { Candle } from '../candle';
import { candleFromOhlcv } from './exchange-candle-rows';
import type { ExchangeMarket, LiveStream, LiveStreamHandlers } from './market-data.provider';

export interface CcxtKlineStreamOptions {
  exchange: Promise<Exchange>;
  markets: readonly ExchangeMarket[];
  handlers: LiveStreamHandlers;
  resolveSymbol(exchange: Exchange, pair: string): Promise<string>;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

/**
 * Live candles from ccxt's `watchOHLCVForSymbols`, for exchanges other than Binance. ccxt does
 * not say when a candle is final, so a candle counts as closed once the next one has started on
 * the same connection.
 */
export class CcxtKlineStream implements LiveStream {
  private readonly logger = new Logger(CcxtKlineStream.name);
  private closed = false;
  private isConnected = false;
  private readonly latest = new Map<string, Candle>();

  constructor(private readonly options: CcxtKlineStreamOptions) {
    void this.run();
  }

  get connected(): boolean {
    return this.isConnected;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    let everConnected = false;
    const base = this.options.backoffBaseMs ?? 500;
    const max = this.options.backoffMaxMs ?? 30_000;
    while (!this.closed) {
      try {
        const exchange = await this.options.exchange;
        const pairs = new Map<string, string>();
        const subscriptions: string[][] = [];
        for (const market of this.options.markets) {
          const unified = await this.options.resolveSymbol(exchange, market.symbol);
          pairs.set(unified, market.symbol);
          subscriptions.push([unified, market.interval]);
        }
        let first = true;
        while (!this.closed) {
          const updates = await exchange.watchOHLCVForSymbols(subscriptions);
          if (first) {
            first = false;
            this.isConnected = true;
            attempt = 0;
            this.options.handlers.onConnected({
              reconnect: everConnected,
              markets: this.options.markets,
            });
            everConnected = true;
          }
          for (const [symbol, byInterval] of Object.entries(updates)) {
            const pair = pairs.get(symbol);
            for (const [interval, rows] of Object.entries(byInterval)) {
              if (pair) {
                rows.forEach((row) =>
                  this.observe({ symbol: pair, interval }, candleFromOhlcv(row)),
                );
              }
            }
          }
        }
      } catch (error) {
        this.isConnected = false;
        // The last update seen of each candle is not its final state once updates may have been
        // missed: after the reconnect, the next candle must not close it (the catch-up backfill
        // that follows a reconnect stores it from the exchange's REST answer instead).
        this.latest.clear();
        if (this.closed) {
          return;
        }
        const ceiling = Math.min(max, base * 2 ** attempt);
        attempt += 1;
        const retryInMs = Math.round(base / 2 + Math.random() * (ceiling - base / 2));
        const reason = error instanceof Error ? error.message : String(error);
        this.logger.warn(`ccxt kline stream failed (${reason}); reconnecting in ${retryInMs} ms`);
        this.options.handlers.onDisconnected({
          reason,
          retryInMs,
          markets: this.options.markets,
        });
        await new Promise((resolve) => setTimeout(resolve, retryInMs));
      }
    }
  }

  private observe(market: ExchangeMarket, candle: Candle): void {
    const key = `${market.symbol}\t${market.interval}`;
    const previous = this.latest.get(key);
    if (previous && candle.openTime > previous.openTime) {
      this.options.handlers.onKline({
        ...market,
        candle: previous,
        closed: true,
        eventTime: Date.now(),
      });
    }
    if (!previous || candle.openTime >= previous.openTime) {
      this.latest.set(key, candle);
      this.options.handlers.onKline({ ...market, candle, closed: false, eventTime: Date.now() });
    }
  }
}
