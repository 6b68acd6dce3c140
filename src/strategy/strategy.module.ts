import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { ModelsModule } from '../models/models.module';
import { SentimentModule } from '../sentiment/sentiment.module';
import { BacktestsRepository } from './backtests.repository';
import { BacktestsService } from './backtests.service';
import { SignalsRepository } from './signals.repository';
import { StrategiesRepository } from './strategies.repository';
import { StrategiesService } from './strategies.service';
import { StrategyEvaluator } from './strategy-evaluator';
import { SignalDecider } from './live/signal-decider';

/** Strategies, signals and their evaluation; shared by every role. */
@Module({
  imports: [MarketDataModule, ModelsModule, SentimentModule],
  providers: [
    StrategiesRepository,
    SignalsRepository,
    StrategyEvaluator,
    SignalDecider,
    StrategiesService,
    BacktestsRepository,
    BacktestsService,
  ],
  exports: [
    StrategiesRepository,
    SignalsRepository,
    StrategyEvaluator,
    SignalDecider,
    StrategiesService,
    BacktestsService,
  ],
})
export class StrategyModule {}
