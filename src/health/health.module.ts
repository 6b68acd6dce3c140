import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ModelsModule } from '../models/models.module';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { MetricsService } from './metrics.service';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), ModelsModule],
  controllers: [HealthController],
  providers: [HealthService, MetricsService],
  exports: [MetricsService],
})
export class HealthModule {}
