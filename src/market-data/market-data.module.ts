import { Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { CandleWindowCache } from './candle-window.cache';
import { CandleWriter } from './candle-writer.service';
import { CandlesRepository } from './candles.repository';
import { CandlesService } from './candles.service';
import { CcxtMarketDataProvider } from './exchange/ccxt-market-data.provider';
import { MARKET_DATA_PROVIDER, type MarketDataProvider } from './exchange/market-data.provider';
import { KlinesImportService } from './import/klines-import.service';
import { KnownGapsRepository } from './known-gaps.repository';
import { MarketCatalogue } from './market-catalogue';
import { StreamStateService } from './stream/stream-state.service';
import { ExchangeStatusService } from './sync/exchange-status.service';

/**
 * Candles: storage, import, exchange and stream status, and the service REST, GraphQL and the CLI
 * call; shared by every role. The exchange client
 * loads ccxt on first use only, which for the api is `SYMBOLS=*` at start.
 */
@Module({
  providers: [
    CandlesRepository,
    CandlesService,
    CandleWriter,
    CandleWindowCache,
    KnownGapsRepository,
    KlinesImportService,
    ExchangeStatusService,
    StreamStateService,
    {
      provide: MARKET_DATA_PROVIDER,
      inject: [AppConfig],
      useFactory: (config: AppConfig): MarketDataProvider =>
        new CcxtMarketDataProvider({
          exchangeId: config.get('EXCHANGE'),
          restUrl: config.get('EXCHANGE_REST_URL'),
          wsUrl: config.get('EXCHANGE_WS_URL'),
          maxStreamsPerConnection: config.get('STREAM_MAX_PER_CONNECTION'),
        }),
    },
    {
      provide: MarketCatalogue,
      inject: [AppConfig, MARKET_DATA_PROVIDER, RedisService],
      useFactory: (config: AppConfig, provider: MarketDataProvider, redis: RedisService) =>
        MarketCatalogue.resolve({
          config,
          provider,
          redis,
          logger: new Logger(MarketCatalogue.name),
        }),
    },
  ],
  exports: [
    CandlesRepository,
    CandlesService,
    CandleWriter,
    CandleWindowCache,
    KnownGapsRepository,
    KlinesImportService,
    ExchangeStatusService,
    StreamStateService,
    MarketCatalogue,
    MARKET_DATA_PROVIDER,
  ],
})
export class MarketDataModule implements OnApplicationShutdown {
  constructor(@Inject(MARKET_DATA_PROVIDER) private readonly provider: MarketDataProvider) {}

  async onApplicationShutdown(): Promise<void> {
    await this.provider.close();
  }
}
