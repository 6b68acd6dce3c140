import { Module } from '@nestjs/common';
import { CandlesController } from './candles.controller';
import { CandlesResolver } from './candles.resolver';
import { CandlesService } from './candles.service';
import { MarketDataModule } from './market-data.module';

@Module({
  imports: [MarketDataModule],
  controllers: [CandlesController],
  providers: [CandlesService, CandlesResolver],
})
export class MarketDataApiModule {}
