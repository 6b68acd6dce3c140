import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { MarketDataModule } from '../market-data/market-data.module';
import { PaperModule } from '../paper/paper.module';
import { LiveEventsBridge } from './live-events.bridge';
import { LiveEventsResolver } from './live-events.resolver';
import { LiveSessions } from './live-sessions';

/** GraphQL subscriptions fed from Redis pub/sub (api processes). */
@Module({
  imports: [AuthModule, MarketDataModule, PaperModule],
  providers: [LiveEventsBridge, LiveEventsResolver, LiveSessions],
})
export class LiveEventsModule {}
