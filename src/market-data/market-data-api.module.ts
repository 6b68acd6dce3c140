import { Module } from '@nestjs/common';
import { BackfillAdminController } from './backfill-admin.controller';
import { CandlesController } from './candles.controller';
import { CandlesResolver } from './candles.resolver';
import { MarketDataModule } from './market-data.module';
import { MarketsController } from './markets.controller';
import { MarketsResolver } from './markets.resolver';

@Module({
  imports: [MarketDataModule],
  controllers: [CandlesController, MarketsController, BackfillAdminController],
  providers: [CandlesResolver, MarketsResolver],
})
export class MarketDataApiModule {}
