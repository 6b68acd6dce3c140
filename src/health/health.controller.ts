import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { HealthService, type ReadinessReport } from './health.service';
import { MetricsService } from './metrics.service';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly healthService: HealthService,
    private readonly metrics: MetricsService,
  ) {}

  @Get('health')
  @Access('public')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @Access('public')
  @ApiOperation({ summary: 'Readiness: PostgreSQL, Redis and migrations; 503 names what is down' })
  @ApiOkResponse({ description: 'Every dependency is up' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down; the message names it' })
  readiness(): Promise<ReadinessReport> {
    return this.healthService.readiness();
  }

  @Get('metrics')
  @Access('public')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics' })
  metricsText(): Promise<string> {
    return this.metrics.render();
  }
}
