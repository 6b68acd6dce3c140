import { applyDecorators } from '@nestjs/common';
import { ArgsType, Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { BeforeQueryField, LimitQueryField } from '../../common/query-fields';
import { IsUuid } from '../../common/uuid.pipe';
import { WEBHOOK_EVENT_TYPES } from '../webhook-events';
import { NullableStringField } from '../../common/nullable-fields';

const EVENTS_DESCRIPTION = `Event types to deliver: ${WEBHOOK_EVENT_TYPES.join(', ')}`;

/** Validation of a subscription's event list (create and update alike). */
const ValidEvents = () =>
  applyDecorators(
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(WEBHOOK_EVENT_TYPES.length),
    IsIn(WEBHOOK_EVENT_TYPES, {
      each: true,
      message: `each value in events must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`,
    }),
  );

/** Validation of a symbol filter. */
const ValidSymbols = () =>
  applyDecorators(
    IsOptional(),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(100),
    IsString({ each: true }),
    MaxLength(20, { each: true }),
  );

/** Validation of a strategy-id filter. */
const ValidStrategies = () =>
  applyDecorators(
    IsOptional(),
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(100),
    IsUUID('all', { each: true, message: 'each value in strategies must be a strategy id (UUID)' }),
  );

@InputType('CreateWebhookInput')
export class CreateWebhookDto {
  @ApiProperty({
    example: 'https://example.com/hooks/crypto',
    description:
      'http(s) endpoint; hosts resolving to private, loopback or link-local addresses are refused unless allowed by WEBHOOK_ALLOWED_HOSTS',
  })
  @Field()
  @IsString()
  @MaxLength(2048)
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, isArray: true, description: EVENTS_DESCRIPTION })
  @Field(() => [String], { description: EVENTS_DESCRIPTION })
  @ValidEvents()
  events!: string[];

  @ApiPropertyOptional({
    example: ['BTC', 'ETH'],
    description: 'Only events of these base assets (default: all)',
  })
  @Field(() => [String], { nullable: true })
  @ValidSymbols()
  symbols?: string[];

  @ApiPropertyOptional({
    description: 'Only signals of these strategy ids (default: all)',
    type: [String],
  })
  @Field(() => [String], { nullable: true })
  @ValidStrategies()
  strategies?: string[];

  @ApiPropertyOptional({ example: 'trading bot, production' })
  @Field({ nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string;
}

@InputType('UpdateWebhookInput')
export class UpdateWebhookDto {
  // Absent leaves the value as it is; null is not a URL or an event list (a 400 naming the
  // field), where `@IsOptional()` would let null through to the service.
  @ApiPropertyOptional()
  @Field({ nullable: true })
  @ValidateIf((_, value) => value !== undefined)
  @IsString()
  @MaxLength(2048)
  url?: string;

  @ApiPropertyOptional({ enum: WEBHOOK_EVENT_TYPES, isArray: true })
  @Field(() => [String], { nullable: true })
  @ValidateIf((_, value) => value !== undefined)
  @ValidEvents()
  events?: string[];

  @ApiPropertyOptional({ type: [String], nullable: true, description: 'null = every symbol' })
  @Field(() => [String], { nullable: true })
  @ValidSymbols()
  symbols?: string[] | null;

  @ApiPropertyOptional({ type: [String], nullable: true, description: 'null = every strategy' })
  @Field(() => [String], { nullable: true })
  @ValidStrategies()
  strategies?: string[] | null;

  @NullableStringField()
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;
}

@ObjectType('Webhook')
export class WebhookDto {
  @ApiProperty() @Field(() => ID) id!: string;
  @ApiProperty() @Field() url!: string;
  @ApiProperty({ type: [String] }) @Field(() => [String]) events!: string[];
  @ApiProperty({ type: [String], nullable: true })
  @Field(() => [String], { nullable: true })
  symbols!: string[] | null;
  @ApiProperty({ type: [String], nullable: true })
  @Field(() => [String], { nullable: true })
  strategies!: string[] | null;
  @ApiProperty({ type: String, nullable: true })
  @Field(() => String, { nullable: true })
  description!: string | null;
  @ApiProperty({ description: 'false after 410 Gone or exhausted retries; see disabledReason' })
  @Field()
  enabled!: boolean;
  @ApiProperty({ type: String, nullable: true })
  @Field(() => String, { nullable: true })
  disabledReason!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  @Field(() => Date, { nullable: true })
  disabledAt!: Date | null;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Until then the secret before the last rotation also signs',
  })
  @Field(() => Date, { nullable: true })
  previousSecretExpiresAt!: Date | null;
  @ApiProperty({ description: 'Id of the API key that owns it' })
  @Field(() => ID)
  ownerKeyId!: string;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() createdAt!: Date;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() updatedAt!: Date;
}

@ObjectType('WebhookWithSecret')
export class WebhookWithSecretDto extends WebhookDto {
  @ApiProperty({
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    description:
      'The signing secret, shown this once; verify deliveries with any Standard Webhooks library',
  })
  @Field()
  secret!: string;
}

@ObjectType('WebhookMessageQueued')
export class WebhookMessageQueuedDto {
  @ApiProperty({ description: 'The webhook-id header the delivery carries' })
  @Field(() => ID)
  messageId!: string;
  @ApiProperty() @Field() type!: string;
  @ApiProperty({ description: 'Delivery job, GET /jobs/{id}' }) @Field(() => ID) jobId!: string;
}

@ObjectType('WebhookDelivery')
export class WebhookDeliveryDto {
  @ApiProperty() @Field(() => ID) id!: string;
  @ApiProperty({ description: 'The webhook-id header' }) @Field(() => ID) messageId!: string;
  @ApiProperty() @Field() eventType!: string;
  @ApiProperty() @Field(() => Int) attempt!: number;
  @ApiProperty() @Field() succeeded!: boolean;
  @ApiProperty({ type: Number, nullable: true }) @Field(() => Int, { nullable: true }) statusCode!:
    number | null;
  @ApiProperty() @Field(() => Int) durationMs!: number;
  @ApiProperty({ type: String, nullable: true }) @Field(() => String, { nullable: true }) error!:
    string | null;
  @ApiProperty({ type: String, nullable: true })
  @Field(() => String, { nullable: true })
  responseExcerpt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  @Field(() => Date, { nullable: true })
  nextAttemptAt!: Date | null;
  @ApiProperty({ type: String, format: 'date-time' }) @Field() attemptedAt!: Date;
  @ApiProperty({ description: 'Where the message stands: pending, succeeded, failed' })
  @Field()
  messageStatus!: string;
}

@ArgsType()
export class WebhookDeliveriesQueryDto {
  @ApiPropertyOptional({ enum: ['succeeded', 'failed'] })
  @Field({ nullable: true })
  @IsOptional()
  @IsIn(['succeeded', 'failed'])
  outcome?: 'succeeded' | 'failed';

  @LimitQueryField({ default: 100, maximum: 1000 })
  limit?: number;

  @BeforeQueryField({ description: 'Attempts before this time (ISO-8601 or epoch ms), for paging' })
  before?: string;
}

@ArgsType()
export class WebhookDeliveriesArgs extends WebhookDeliveriesQueryDto {
  @Field(() => ID) @IsUuid() id!: string;
}
