import { Module } from '@nestjs/common';
import { BacktestsController } from './backtests.controller';
import { BacktestsResolver } from './backtests.resolver';
import { SignalsController } from './signals.controller';
import { SignalsResolver } from './signals.resolver';
import { StrategiesAdminController } from './strategies-admin.controller';
import { StrategiesController } from './strategies.controller';
import { StrategiesResolver } from './strategies.resolver';
import { StrategyModule } from './strategy.module';

@Module({
  imports: [StrategyModule],
  controllers: [
    BacktestsController,
    SignalsController,
    StrategiesController,
    StrategiesAdminController,
  ],
  providers: [BacktestsResolver, SignalsResolver, StrategiesResolver],
})
export class StrategyApiModule {}
