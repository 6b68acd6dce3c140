import { Module } from '@nestjs/common';
import { StrategiesController } from './strategies.controller';
import { StrategiesResolver } from './strategies.resolver';
import { StrategyModule } from './strategy.module';

@Module({
  imports: [StrategyModule],
  controllers: [StrategiesController],
  providers: [StrategiesResolver],
})
export class StrategyApiModule {}
