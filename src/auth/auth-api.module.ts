import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessGuard } from './access.guard';
import { ApiKeysAdminController } from './api-keys-admin.controller';
import { ApiKeysResolver } from './api-keys.resolver';
import { AuthModule } from './auth.module';
import { MeController } from './me.controller';

@Module({
  imports: [AuthModule],
  controllers: [MeController, ApiKeysAdminController],
  providers: [ApiKeysResolver, { provide: APP_GUARD, useClass: AccessGuard }],
})
export class AuthApiModule {}
