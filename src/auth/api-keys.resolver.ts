import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Access } from './access.decorator';
import { ApiKeysService } from './api-keys.service';
import { CurrentPrincipal } from './current-principal.decorator';
import {
  ApiKeyDto,
  CreateApiKeyDto,
  CreatedApiKeyDto,
  ListApiKeysQueryDto,
  MeDto,
} from './dto/api-key.dto';
import type { Principal } from './principal';
import { uuidPipe } from '../common/uuid.pipe';

@Resolver()
export class ApiKeysResolver {
  constructor(private readonly service: ApiKeysService) {}

  @Query(() => MeDto, { description: 'The API key this request authenticated with' })
  @Access('client')
  me(@CurrentPrincipal() principal: Principal): MeDto {
    return principal;
  }

  @Query(() => [ApiKeyDto], { description: 'All API keys (admin)' })
  @Access('admin')
  apiKeys(
    @Args('filter', { type: () => ListApiKeysQueryDto, nullable: true })
    filter?: ListApiKeysQueryDto,
  ): Promise<ApiKeyDto[]> {
    return this.service.list(filter);
  }

  @Mutation(() => CreatedApiKeyDto, {
    description: 'Create an API key; the secret is returned once (admin)',
  })
  @Access('admin')
  createApiKey(@Args('input') input: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    return this.service.create(input);
  }

  @Mutation(() => ApiKeyDto, { description: 'Revoke an API key (admin, idempotent)' })
  @Access('admin')
  revokeApiKey(@Args('id', { type: () => ID }, uuidPipe('id')) id: string): Promise<ApiKeyDto> {
    return this.service.revoke(id);
  }
}
