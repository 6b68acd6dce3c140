import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { FearGreedImportService } from './import/fear-greed-import.service';
import { SentimentPointsRepository } from './sentiment-points.repository';
import { SentimentSources } from './sentiment-sources';
import { SentimentService } from './sentiment.service';

/** Sentiment storage, sources and reads; shared by every role. */
@Module({
  imports: [MarketDataModule],
  providers: [
    SentimentPointsRepository,
    SentimentSources,
    SentimentService,
    FearGreedImportService,
  ],
  exports: [SentimentPointsRepository, SentimentSources, SentimentService, FearGreedImportService],
})
export class SentimentModule {}
