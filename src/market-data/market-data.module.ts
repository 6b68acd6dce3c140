import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { CandlesRepository } from './candles.repository';
import { KlinesImportService } from './import/klines-import.service';
import { MarketCatalogue } from './market';

/** Candles: storage, import, and (in MarketDataApiModule) the REST and GraphQL reads. */
@Module({
  providers: [
    CandlesRepository,
    KlinesImportService,
    {
      provide: MarketCatalogue,
      inject: [AppConfig],
      useFactory: (config: AppConfig) =>
        new MarketCatalogue(config.get('EXCHANGE'), config.get('SYMBOLS'), config.get('QUOTE'), config.get('INTERVALS')),
    },
  ],
  exports: [CandlesRepository, KlinesImportService, MarketCatalogue],
})
export class MarketDataModule {}
