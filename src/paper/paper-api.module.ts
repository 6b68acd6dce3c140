import { Module } from '@nestjs/common';
import { PaperAccountsController } from './paper-accounts.controller';
import { PaperAccountsResolver } from './paper-accounts.resolver';
import { PaperModule } from './paper.module';

@Module({
  imports: [PaperModule],
  controllers: [PaperAccountsController],
  providers: [PaperAccountsResolver],
})
export class PaperApiModule {}
