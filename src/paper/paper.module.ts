import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { ModelsModule } from '../models/models.module';
import { StrategyModule } from '../strategy/strategy.module';
import { BROKER, PaperBroker } from './broker';
import { PaperAccountsService } from './paper-accounts.service';

/** Paper accounts and the broker they trade with; shared by every role. */
@Module({
  imports: [MarketDataModule, ModelsModule, StrategyModule],
  providers: [{ provide: BROKER, useClass: PaperBroker }, PaperAccountsService],
  exports: [BROKER, PaperAccountsService],
})
export class PaperModule {}
