import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from './access.decorator';
import { ApiKeysService } from './api-keys.service';
import { CurrentPrincipal } from './current-principal.decorator';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto, ListApiKeysQueryDto, MeDto } from './dto/api-key.dto';
import type { Principal } from './principal';
import { uuidPipe } from '../common/uuid.pipe';

@ApiTags('auth')
@Controller()
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Get('me')
  @Access('client')
  @ApiOperation({ summary: 'The API key this request authenticated with' })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentPrincipal() principal: Principal): MeDto {
    return principal;
  }

  @Post('admin/api-keys')
  @Access('admin')
  @ApiOperation({ summary: 'Create an API key; the secret is in this response only' })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  create(@Body() body: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.apiKeys.create(body);
  }

  @Get('admin/api-keys')
  @Access('admin')
  @ApiOperation({ summary: 'All API keys, revoked ones included (never their secrets)' })
  @ApiOkResponse({ type: [ApiKeyDto] })
  list(@Query() query: ListApiKeysQueryDto): Promise<ApiKeyDto[]> {
    return this.apiKeys.list(query);
  }

  @Delete('admin/api-keys/:id')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({ summary: 'Revoke an API key (idempotent); it stops working on every replica within a second' })
  @ApiOkResponse({ type: ApiKeyDto })
  revoke(@Param('id', uuidPipe('id')) id: string): Promise<ApiKeyDto> {
    return this.apiKeys.revoke(id);
  }
}
