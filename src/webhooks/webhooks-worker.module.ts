import { Module } from '@nestjs/common';
import { WebhookFanoutService } from './delivery/webhook-fanout.service';
import { DeliverWebhookProcessor } from './jobs/deliver-webhook.processor';
import { SweepOnTakeover, SweepWebhooksProcessor } from './jobs/sweep-webhooks.processor';
import { MarketDataModule } from '../market-data/market-data.module';
import { ModelsModule } from '../models/models.module';
import { StrategyModule } from '../strategy/strategy.module';
import { PaperModule } from '../paper/paper.module';
import { WebhooksModule } from './webhooks.module';

/** The worker side of webhooks: fan-out of live events and the delivery jobs. */
@Module({
  imports: [WebhooksModule, MarketDataModule, ModelsModule, StrategyModule, PaperModule],
  providers: [
    WebhookFanoutService,
    DeliverWebhookProcessor,
    SweepWebhooksProcessor,
    SweepOnTakeover,
  ],
})
export class WebhooksWorkerModule {}
