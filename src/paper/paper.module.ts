import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { ModelsModule } from '../models/models.module';
import { StrategyModule } from '../strategy/strategy.module';
import { BROKER, PaperBroker } from './broker';
import { PaperAccountFigures } from './paper-account-figures.service';
import { PaperAccountsRepository } from './paper-accounts.repository';
import { PaperAccountsService } from './paper-accounts.service';
import { PaperBooksRepository } from './paper-books.repository';
import { PaperEquityRepository } from './paper-equity.repository';
import { PaperOrdersRepository } from './paper-orders.repository';
import { PaperTradesRepository } from './paper-trades.repository';

/** Paper accounts and the broker they trade with; shared by every role. */
@Module({
  imports: [MarketDataModule, ModelsModule, StrategyModule],
  providers: [
    { provide: BROKER, useClass: PaperBroker },
    PaperAccountsRepository,
    PaperBooksRepository,
    PaperEquityRepository,
    PaperOrdersRepository,
    PaperTradesRepository,
    PaperAccountFigures,
    PaperAccountsService,
  ],
  exports: [BROKER, PaperBooksRepository, PaperOrdersRepository, PaperAccountsService],
})
export class PaperModule {}
