import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Access } from '../auth/access.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { uuidPipe } from '../common/uuid.pipe';
import {
  CreateWebhookDto,
  UpdateWebhookDto,
  WebhookDeliveriesArgs,
  WebhookDeliveryDto,
  WebhookDto,
  WebhookMessageQueuedDto,
  WebhookWithSecretDto,
} from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

@Resolver()
@Access('client')
export class WebhooksResolver {
  constructor(private readonly service: WebhooksService) {}

  @Mutation(() => WebhookWithSecretDto, {
    description: 'Subscribe an endpoint to signed events; the secret is shown this once',
  })
  createWebhook(
    @CurrentPrincipal() principal: Principal,
    @Args('input') input: CreateWebhookDto,
  ): Promise<WebhookWithSecretDto> {
    return this.service.create(principal, input);
  }

  @Query(() => [WebhookDto], { description: "The calling key's subscriptions (all for admins)" })
  webhooks(@CurrentPrincipal() principal: Principal): Promise<WebhookDto[]> {
    return this.service.list(principal);
  }

  @Query(() => WebhookDto, { description: 'One subscription' })
  webhook(
    @CurrentPrincipal() principal: Principal,
    @Args('id', { type: () => ID }, uuidPipe('id')) id: string,
  ): Promise<WebhookDto> {
    return this.service.get(principal, id);
  }

  @Mutation(() => WebhookDto, { description: 'Change the URL, events or filters' })
  updateWebhook(
    @CurrentPrincipal() principal: Principal,
    @Args('id', { type: () => ID }, uuidPipe('id')) id: string,
    @Args('input') input: UpdateWebhookDto,
  ): Promise<WebhookDto> {
    return this.service.update(principal, id, input);
  }

  @Mutation(() => Boolean, { description: 'Delete a subscription and its delivery log' })
  async deleteWebhook(
    @CurrentPrincipal() principal: Principal,
    @Args('id', { type: () => ID }, uuidPipe('id')) id: string,
  ): Promise<boolean> {
    await this.service.remove(principal, id);
    return true;
  }

  @Mutation(() => WebhookWithSecretDto, {
    description: 'A new signing secret (shown once); the old one also signs for 24 hours',
  })
  rotateWebhookSecret(
    @CurrentPrincipal() principal: Principal,
    @Args('id', { type: () => ID }, uuidPipe('id')) id: string,
  ): Promise<WebhookWithSecretDto> {
    return this.service.rotateSecret(principal, id);
  }

  @Mutation(() => WebhookMessageQueuedDto, { description: 'Send a webhook.test event' })
  testWebhook(
    @CurrentPrincipal() principal: Principal,
    @Args('id', { type: () => ID }, uuidPipe('id')) id: string,
  ): Promise<WebhookMessageQueuedDto> {
    return this.service.test(principal, id);
  }

  @Mutation(() => WebhookDto, { description: 'Resume deliveries of a disabled subscription' })
  enableWebhook(
    @CurrentPrincipal() principal: Principal,
    @Args('id', { type: () => ID }, uuidPipe('id')) id: string,
  ): Promise<WebhookDto> {
    return this.service.enable(principal, id);
  }

  @Query(() => [WebhookDeliveryDto], { description: 'Delivery attempts, newest first' })
  webhookDeliveries(
    @CurrentPrincipal() principal: Principal,
    @Args() args: WebhookDeliveriesArgs,
  ): Promise<WebhookDeliveryDto[]> {
    const { id, ...query } = args;
    return this.service.deliveries(principal, id, query);
  }

  @Mutation(() => WebhookMessageQueuedDto, { description: 'Send a failed message again' })
  replayWebhookDelivery(
    @CurrentPrincipal() principal: Principal,
    @Args('id', { type: () => ID }, uuidPipe('id')) id: string,
    @Args('deliveryId', { type: () => ID }, uuidPipe('deliveryId')) deliveryId: string,
  ): Promise<WebhookMessageQueuedDto> {
    return this.service.replay(principal, id, deliveryId);
  }
}
