import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { StrategyModule } from '../strategy/strategy.module';
import { AppConfig } from '../config/app-config';
import { WebhookDeliveryService } from './delivery/webhook-delivery.service';
import { WebhookUrlGuard } from './delivery/webhook-url-guard';
import { WebhookSecrets } from './webhook-secrets.service';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookMessagesRepository } from './webhook-messages.repository';
import { WebhookSubscriptionsRepository } from './webhook-subscriptions.repository';
import { WebhooksService } from './webhooks.service';

/** Webhook subscriptions, messages and deliveries; shared by every role. */
@Module({
  imports: [MarketDataModule, StrategyModule],
  providers: [
    {
      // One guard per process: the same allow-list at subscription time and at delivery.
      provide: WebhookUrlGuard,
      useFactory: (config: AppConfig) =>
        new WebhookUrlGuard(config.get('WEBHOOK_ALLOWED_HOSTS') ?? []),
      inject: [AppConfig],
    },
    WebhookSubscriptionsRepository,
    WebhookMessagesRepository,
    WebhookDeliveriesRepository,
    WebhookSecrets,
    WebhooksService,
    WebhookDeliveryService,
  ],
  exports: [
    WebhookSubscriptionsRepository,
    WebhookMessagesRepository,
    WebhookSecrets,
    WebhooksService,
    WebhookDeliveryService,
  ],
})
export class WebhooksModule {}
