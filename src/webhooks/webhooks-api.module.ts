import { Module } from '@nestjs/common';
import { WebhooksController } from './webhooks.controller';
import { WebhooksModule } from './webhooks.module';
import { WebhooksResolver } from './webhooks.resolver';

@Module({
  imports: [WebhooksModule],
  controllers: [WebhooksController],
  providers: [WebhooksResolver],
})
export class WebhooksApiModule {}
