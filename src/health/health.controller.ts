import { Controller, Get, Inject } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { HealthService, type ReadinessReport } from './health.service';
import { ML_BACKEND, type MlBackendPort, type MlBackendStatus } from './ml-backend.port';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly healthService: HealthService,
    @Inject(ML_BACKEND) private readonly mlBackend: MlBackendPort,
  ) {}

  @Get()
  @Access('public')
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      properties: {
        status: { type: 'string', enum: ['ok'] },
        tensorflow: {
          type: 'object',
          nullable: true,
          description:
            'The TensorFlow.js backend this process computes on, else the one a worker last reported',
          properties: {
            backend: { type: 'string' },
            worker: { type: 'string', description: 'host:pid of the process that uses it' },
            reportedAt: { type: 'string', format: 'date-time' },
          },
          required: ['backend', 'worker', 'reportedAt'],
        },
      },
      required: ['status', 'tensorflow'],
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
  async liveness(): Promise<{ status: 'ok'; tensorflow: MlBackendStatus | null }> {
    return { status: 'ok', tensorflow: await this.mlBackend.status() };
  }

  @Get('ready')
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
}
