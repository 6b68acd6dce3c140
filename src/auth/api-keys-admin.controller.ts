import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OperationIdPrefix } from '../common/openapi-errors';
import { uuidPipe } from '../common/uuid.pipe';
import { Access } from './access.decorator';
import { ApiKeysService } from './api-keys.service';
import {
  ApiKeyDto,
  CreateApiKeyDto,
  CreatedApiKeyDto,
  ListApiKeysQueryDto,
} from './dto/api-key.dto';

@ApiTags('auth')
@OperationIdPrefix('ApiKeys')
@Controller('admin/api-keys')
@Access('admin')
export class ApiKeysAdminController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the secret is in this response only' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  create(@Body() body: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'All API keys, revoked ones included (never their secrets)' })
  @ApiOkResponse({ type: [ApiKeyDto] })
  list(@Query() query: ListApiKeysQueryDto): Promise<ApiKeyDto[]> {
    return this.apiKeys.list(query);
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Revoke an API key (idempotent); it stops working on every replica within a second',
  })
  @ApiOkResponse({ type: ApiKeyDto })
  revoke(@Param('id', uuidPipe('id')) id: string): Promise<ApiKeyDto> {
    return this.apiKeys.revoke(id);
  }
}
