import { Controller, Get, Header } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { hostname } from 'node:os';
import { Access } from '../auth/access.decorator';
import { TensorFlowProvider } from '../models/tensorflow.provider';
import { HealthService, type ReadinessReport } from './health.service';
import { MetricsService } from './metrics.service';

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    private readonly healthService: HealthService,
    private readonly metrics: MetricsService,
    private readonly tensorflow: TensorFlowProvider,
  ) {}

  @Get('health')
  @Access('public')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({
    schema: {
      example: {
        status: 'ok',
        tensorflow: {
          backend: 'wasm',
          worker: 'host:4242',
          reportedAt: '2026-01-01T00:00:00.000Z',
        },
      },
    },
  })
  async liveness(): Promise<{
    status: 'ok';
    tensorflow: { backend: string; worker: string; reportedAt: string } | null;
  }> {
    // The backend this process trains on, or the one a worker last reported (the api never trains).
    const local = this.tensorflow.backend;
    return {
      status: 'ok',
      tensorflow: local
        ? {
            backend: local,
            worker: `${hostname()}:${process.pid}`,
            reportedAt: new Date().toISOString(),
          }
        : await this.tensorflow.reported(),
    };
  }

  @Get('health/ready')
  @Access('public')
  @ApiOperation({ summary: 'Readiness: PostgreSQL, Redis and migrations; 503 names what is down' })
  @ApiOkResponse({
    description: 'Every dependency is up',
    schema: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['ok'] },
        checks: {
          type: 'object',
          description: 'database, redis and migrations, each with its status',
          additionalProperties: {
            type: 'object',
            properties: { status: { type: 'string', enum: ['up'] } },
            required: ['status'],
            additionalProperties: true,
          },
        },
      },
      required: ['status', 'checks'],
    },
  })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down; the message names it' })
  readiness(): Promise<ReadinessReport> {
    return this.healthService.readiness();
  }

  @Get('metrics')
  @Access('public')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics' })
  @ApiOkResponse({
    description: 'The Prometheus text exposition format (version 0.0.4)',
    content: { 'text/plain': { schema: { type: 'string' } } },
  })
  metricsText(): Promise<string> {
    return this.metrics.render();
  }
}
