import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { MigrationsRepository } from './migrations.repository';

/**
 * Liveness, readiness and metrics. The ML backend is asked through ML_BACKEND, provided by the
 * module given to `register` (the models module in the app), so health depends on no feature.
 */
@Module({})
export class HealthModule {
  static register(mlBackendModule: Type): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ logger: false }), mlBackendModule],
      controllers: [HealthController, MetricsController],
      providers: [MigrationsRepository, HealthService, MetricsService],
      exports: [MetricsService],
    };
  }
}
