import { Module } from '@nestjs/common';
import { PaperAccountsAdminController } from './paper-accounts-admin.controller';
import { PaperAccountsController } from './paper-accounts.controller';
import { PaperAccountsResolver } from './paper-accounts.resolver';
import { PaperModule } from './paper.module';

@Module({
  imports: [PaperModule],
  controllers: [PaperAccountsController, PaperAccountsAdminController],
  providers: [PaperAccountsResolver],
})
export class PaperApiModule {}
