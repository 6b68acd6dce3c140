import { Module } from '@nestjs/common';
import { BackfillProcessor } from './jobs/backfill.processor';
import { RepairGapsProcessor } from './jobs/repair-gaps.processor';
import { MarketDataModule } from './market-data.module';
import { LiveCandlesService } from './stream/live-candles.service';
import { CandleSyncService } from './sync/candle-sync.service';

/** The worker side of market data: backfill and gap-repair jobs, the live stream. */
@Module({
  imports: [MarketDataModule],
  providers: [CandleSyncService, BackfillProcessor, RepairGapsProcessor, LiveCandlesService],
  exports: [CandleSyncService, LiveCandlesService, MarketDataModule],
})
export class MarketDataWorkerModule {}
