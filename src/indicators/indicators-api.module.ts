import { Module } from '@nestjs/common';
import { IndicatorsController } from './indicators.controller';
import { IndicatorsModule } from './indicators.module';
import { IndicatorsResolver } from './indicators.resolver';

@Module({
  imports: [IndicatorsModule],
  controllers: [IndicatorsController],
  providers: [IndicatorsResolver],
})
export class IndicatorsApiModule {}
