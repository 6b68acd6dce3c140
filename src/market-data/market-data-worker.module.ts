import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { CcxtMarketDataProvider } from './exchange/ccxt-market-data.provider';
import { MARKET_DATA_PROVIDER, type MarketDataProvider } from './exchange/market-data.provider';
import { BackfillProcessor } from './jobs/backfill.processor';
import { RepairGapsProcessor } from './jobs/repair-gaps.processor';
import { MarketDataModule } from './market-data.module';
import { LiveCandlesService } from './stream/live-candles.service';
import { CandleSyncService } from './sync/candle-sync.service';

/** The worker side of market data: the exchange, backfill and gap-repair jobs, the live stream. */
@Module({
  imports: [MarketDataModule],
  providers: [
    {
      provide: MARKET_DATA_PROVIDER,
      inject: [AppConfig],
      useFactory: (config: AppConfig): MarketDataProvider =>
        new CcxtMarketDataProvider({
          exchangeId: config.get('EXCHANGE'),
          restUrl: config.get('EXCHANGE_REST_URL'),
          wsUrl: config.get('EXCHANGE_WS_URL'),
        }),
    },
    CandleSyncService,
    BackfillProcessor,
    RepairGapsProcessor,
    LiveCandlesService,
  ],
  exports: [CandleSyncService, LiveCandlesService, MARKET_DATA_PROVIDER],
})
export class MarketDataWorkerModule implements OnApplicationShutdown {
  constructor(@Inject(MARKET_DATA_PROVIDER) private readonly provider: MarketDataProvider) {}

  async onApplicationShutdown(): Promise<void> {
    await this.provider.close();
  }
}
