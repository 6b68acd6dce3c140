import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { LiveEventsBridge } from './live-events.bridge';
import { LiveEventsResolver } from './live-events.resolver';

/** GraphQL subscriptions fed from Redis pub/sub (api processes). */
@Module({
  imports: [MarketDataModule],
  providers: [LiveEventsBridge, LiveEventsResolver],
})
export class LiveEventsModule {}
