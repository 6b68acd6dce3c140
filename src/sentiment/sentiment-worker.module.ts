import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { SentimentPollProcessor } from './jobs/sentiment-poll.processor';
import { SentimentModule } from './sentiment.module';
import { SentimentSyncService } from './sync/sentiment-sync.service';

/** The worker side of sentiment: polling and history backfill jobs. */
@Module({
  imports: [SentimentModule, MarketDataModule],
  providers: [SentimentSyncService, SentimentPollProcessor],
  exports: [SentimentSyncService],
})
export class SentimentWorkerModule {}
