import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { IndicatorsService } from './indicators.service';
import { LiveIndicatorsCache } from './live/live-indicators.cache';

/** Indicator reads and the live cache; shared by every role. */
@Module({
  imports: [MarketDataModule],
  providers: [IndicatorsService, LiveIndicatorsCache],
  exports: [IndicatorsService, LiveIndicatorsCache],
})
export class IndicatorsModule {}
