import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { ModelsModule } from '../models/models.module';
import { ModelsWorkerModule } from '../models/models-worker.module';
import { RunBacktestProcessor } from './jobs/run-backtest.processor';
import { ActiveStrategies } from './live/active-strategies';
import { LiveSignalsService } from './live/live-signals.service';
import { SignalCatchUp } from './live/signal-catch-up.service';
import { StrategyModule } from './strategy.module';

/** The worker side of strategies: live decisions. */
@Module({
  imports: [StrategyModule, MarketDataModule, ModelsModule, ModelsWorkerModule],
  providers: [ActiveStrategies, LiveSignalsService, SignalCatchUp, RunBacktestProcessor],
})
export class StrategyWorkerModule {}
