import { ApiProperty } from '@nestjs/swagger';

/** The `data` of a `webhook.test` delivery (`POST /webhooks/{id}/test`). */
export class WebhookTestDataDto {
  @ApiProperty({ format: 'uuid', description: 'The subscription the test was sent to' })
  subscriptionId!: string;
  @ApiProperty({ description: 'A sentence saying this is a test' })
  message!: string;
}
