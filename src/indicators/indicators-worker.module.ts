import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { IndicatorsModule } from './indicators.module';
import { LiveIndicatorsService } from './live/live-indicators.service';

/** The worker side of indicators: incremental updates on every closed candle. */
@Module({
  imports: [IndicatorsModule, MarketDataModule],
  providers: [LiveIndicatorsService],
  exports: [LiveIndicatorsService],
})
export class IndicatorsWorkerModule {}
