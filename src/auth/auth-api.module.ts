import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access.guard';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysResolver } from './api-keys.resolver';
import { AuthModule } from './auth.module';

@Module({
  imports: [AuthModule],
  controllers: [ApiKeysController],
  providers: [ApiKeysResolver, { provide: APP_GUARD, useClass: AccessGuard }],
})
export class AuthApiModule {}
