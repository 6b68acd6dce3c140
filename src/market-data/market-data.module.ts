import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { CandleWindowCache } from './candle-window.cache';
import { CandlesRepository } from './candles.repository';
import { KlinesImportService } from './import/klines-import.service';
import { KnownGapsRepository } from './known-gaps.repository';
import { MarketCatalogue } from './market';
import { StreamStateService } from './stream/stream-state.service';
import { ExchangeStatusService } from './sync/exchange-status.service';

/** Candles: storage, import, exchange and stream status; shared by every role. */
@Module({
  providers: [
    CandlesRepository,
    CandleWindowCache,
    KnownGapsRepository,
    KlinesImportService,
    ExchangeStatusService,
    StreamStateService,
    {
      provide: MarketCatalogue,
      inject: [AppConfig],
      useFactory: (config: AppConfig) => MarketCatalogue.fromConfig(config),
    },
  ],
  exports: [
    CandlesRepository,
    CandleWindowCache,
    KnownGapsRepository,
    KlinesImportService,
    ExchangeStatusService,
    StreamStateService,
    MarketCatalogue,
  ],
})
export class MarketDataModule {}
