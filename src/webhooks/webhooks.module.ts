import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { StrategyModule } from '../strategy/strategy.module';
import { WebhookDeliveryService } from './delivery/webhook-delivery.service';
import { WebhookSecrets } from './webhook-secrets.service';
import { WebhooksRepository } from './webhooks.repository';
import { WebhooksService } from './webhooks.service';

/** Webhook subscriptions, messages and deliveries; shared by every role. */
@Module({
  imports: [MarketDataModule, StrategyModule],
  providers: [WebhooksRepository, WebhookSecrets, WebhooksService, WebhookDeliveryService],
  exports: [WebhooksRepository, WebhookSecrets, WebhooksService, WebhookDeliveryService],
})
export class WebhooksModule {}
