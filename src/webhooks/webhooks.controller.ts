import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { uuidPipe } from '../common/uuid.pipe';
import {
  CreateWebhookDto,
  UpdateWebhookDto,
  WebhookDeliveriesQueryDto,
  WebhookDeliveryDto,
  WebhookDto,
  WebhookMessageQueuedDto,
  WebhookWithSecretDto,
} from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

@ApiTags('webhooks')
@Controller('webhooks')
@Access('client')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post()
  @ApiOperation({
    summary:
      'Subscribe an endpoint to signed events (Standard Webhooks); the signing secret is in this response only',
  })
  @ApiCreatedResponse({ type: WebhookWithSecretDto })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: CreateWebhookDto,
  ): Promise<WebhookWithSecretDto> {
    return this.webhooks.create(principal, body);
  }

  @Get()
  @ApiOperation({ summary: "The calling key's subscriptions (every subscription for admins)" })
  @ApiOkResponse({ type: [WebhookDto] })
  list(@CurrentPrincipal() principal: Principal): Promise<WebhookDto[]> {
    return this.webhooks.list(principal);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One subscription, with why it was disabled if it was' })
  @ApiOkResponse({ type: WebhookDto })
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidPipe('id')) id: string,
  ): Promise<WebhookDto> {
    return this.webhooks.get(principal, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change the URL, events or filters' })
  @ApiOkResponse({ type: WebhookDto })
  update(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidPipe('id')) id: string,
    @Body() body: UpdateWebhookDto,
  ): Promise<WebhookDto> {
    return this.webhooks.update(principal, id, body);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a subscription, its messages and its delivery log' })
  @ApiNoContentResponse()
  async remove(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidPipe('id')) id: string,
  ): Promise<void> {
    await this.webhooks.remove(principal, id);
  }

  @Post(':id/rotate-secret')
  @HttpCode(200)
  @ApiOperation({
    summary: 'A new signing secret (shown once); the old one keeps signing beside it for 24 hours',
  })
  @ApiOkResponse({ type: WebhookWithSecretDto })
  rotateSecret(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidPipe('id')) id: string,
  ): Promise<WebhookWithSecretDto> {
    return this.webhooks.rotateSecret(principal, id);
  }

  @Post(':id/test')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send a webhook.test event to this endpoint' })
  @ApiAcceptedResponse({ type: WebhookMessageQueuedDto })
  test(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidPipe('id')) id: string,
  ): Promise<WebhookMessageQueuedDto> {
    return this.webhooks.test(principal, id);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume deliveries of a disabled subscription' })
  @ApiOkResponse({ type: WebhookDto })
  enable(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidPipe('id')) id: string,
  ): Promise<WebhookDto> {
    return this.webhooks.enable(principal, id);
  }

  @Get(':id/deliveries')
  @ApiOperation({
    summary: 'Every delivery attempt, newest first: status code, duration, error, next attempt',
  })
  @ApiOkResponse({ type: [WebhookDeliveryDto] })
  deliveries(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidPipe('id')) id: string,
    @Query() query: WebhookDeliveriesQueryDto,
  ): Promise<WebhookDeliveryDto[]> {
    return this.webhooks.deliveries(principal, id, query);
  }

  @Post(':id/deliveries/:deliveryId/replay')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Send a failed message again: same webhook-id and body, fresh signature',
  })
  @ApiAcceptedResponse({ type: WebhookMessageQueuedDto })
  replay(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidPipe('id')) id: string,
    @Param('deliveryId', uuidPipe('deliveryId')) deliveryId: string,
  ): Promise<WebhookMessageQueuedDto> {
    return this.webhooks.replay(principal, id, deliveryId);
  }
}
