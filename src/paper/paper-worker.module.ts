import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { ModelsModule } from '../models/models.module';
import { StrategyModule } from '../strategy/strategy.module';
import { PaperDecisions } from './paper-decisions.service';
import { PaperTrader } from './paper-trader.service';
import { PaperModule } from './paper.module';

/** The worker side of paper trading: books stepped on every closed candle. */
@Module({
  imports: [PaperModule, MarketDataModule, ModelsModule, StrategyModule],
  providers: [PaperDecisions, PaperTrader],
})
export class PaperWorkerModule {}
