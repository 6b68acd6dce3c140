import { Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { API_KEY_ROLES, type ApiKeyEntity, type ApiKeyRole } from '../api-key.entity';
import { NullableDateField } from '../../common/nullable-fields';

const ApiKeyRoleEnum = { admin: 'admin', client: 'client' } as const;
registerEnumType(ApiKeyRoleEnum, {
  name: 'ApiKeyRole',
  description: 'admin: everything; client: reads',
});

@InputType('CreateApiKeyInput')
export class CreateApiKeyDto {
  @ApiProperty({
    description: 'What the key is for, unique among active keys',
    example: 'trading-bot',
    maxLength: 100,
  })
  @Field()
  @IsString()
  @Length(1, 100)
  @Matches(/^[\w .@-]+$/, { message: 'name may hold letters, digits, spaces and . _ @ - only' })
  name!: string;

  @ApiProperty({ enum: API_KEY_ROLES, example: 'client' })
  @Field(() => ApiKeyRoleEnum)
  @IsIn(API_KEY_ROLES, { message: `role must be one of ${API_KEY_ROLES.join(', ')}` })
  role!: ApiKeyRole;
}

@ObjectType('ApiKey')
export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' })
  @Field(() => ID)
  id!: string;

  @ApiProperty()
  @Field()
  name!: string;

  @ApiProperty({ enum: API_KEY_ROLES })
  @Field(() => ApiKeyRoleEnum)
  role!: ApiKeyRole;

  @ApiProperty({
    description: 'The first characters of the key, to recognise it',
    example: 'cft_Xb3k9Q2a',
  })
  @Field()
  prefix!: string;

  @ApiProperty({ type: String, format: 'date-time' })
  @Field()
  createdAt!: Date;

  @NullableDateField()
  lastUsedAt!: Date | null;

  @NullableDateField()
  revokedAt!: Date | null;

  static from(entity: ApiKeyEntity): ApiKeyDto {
    return Object.assign(new ApiKeyDto(), {
      id: entity.id,
      name: entity.name,
      role: entity.role,
      prefix: entity.prefix,
      createdAt: entity.createdAt,
      lastUsedAt: entity.lastUsedAt,
      revokedAt: entity.revokedAt,
    });
  }
}

@ObjectType('CreatedApiKey')
export class CreatedApiKeyDto {
  @ApiProperty({ type: ApiKeyDto })
  @Field(() => ApiKeyDto)
  apiKey!: ApiKeyDto;

  @ApiProperty({ description: 'The secret. Shown this once; only its SHA-256 is stored.' })
  @Field({ description: 'The secret. Shown this once; only its SHA-256 is stored.' })
  key!: string;
}

@ObjectType('Me')
export class MeDto {
  @ApiProperty({ format: 'uuid' })
  @Field(() => ID)
  apiKeyId!: string;

  @ApiProperty()
  @Field()
  name!: string;

  @ApiProperty({ enum: API_KEY_ROLES })
  @Field(() => ApiKeyRoleEnum)
  role!: ApiKeyRole;

  @ApiProperty()
  @Field()
  prefix!: string;
}

@InputType('ApiKeyFilter')
export class ListApiKeysQueryDto {
  @ApiPropertyOptional({ enum: API_KEY_ROLES, description: 'Only keys of this role' })
  @Field(() => ApiKeyRoleEnum, { nullable: true })
  @IsOptional()
  @IsIn(API_KEY_ROLES, { message: `role must be one of ${API_KEY_ROLES.join(', ')}` })
  role?: ApiKeyRole;

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    default: 'true',
    description: 'Include revoked keys',
  })
  @Field(() => String, { nullable: true, description: 'true (default) or false' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'includeRevoked must be true or false' })
  includeRevoked?: 'true' | 'false';
}
