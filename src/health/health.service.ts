import { Injectable } from '@nestjs/common';
import {
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { AppException } from '../common/app.exception';
import { LifecycleService } from '../common/lifecycle.service';
import { RedisService } from '../redis/redis.service';
import { MigrationsRepository } from './migrations.repository';

const CHECK_TIMEOUT_MS = 1500;

class HealthException extends AppException {}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS} ms`)),
      CHECK_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface ReadinessReport {
  status: 'ok';
  checks: Record<string, { status: 'up' } & Record<string, unknown>>;
}

/** Readiness: PostgreSQL answers, Redis answers, and no migration is pending. */
@Injectable()
export class HealthService {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly typeOrm: TypeOrmHealthIndicator,
    private readonly redis: RedisService,
    private readonly migrations: MigrationsRepository,
    private readonly lifecycle: LifecycleService,
  ) {}

  async readiness(): Promise<ReadinessReport> {
    if (this.lifecycle.draining) {
      throw new HealthException('SERVICE_UNAVAILABLE', 'Not ready: shutting down');
    }
    const result = await this.health
      .check([
        () => this.typeOrm.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
        () => this.checkRedis(),
        () => this.checkMigrations(),
      ])
      .catch((error: unknown) => {
        const response = (error as { response?: { error?: Record<string, { message?: string }> } })
          .response;
        if (!response?.error) {
          throw error;
        }
        const down = Object.entries(response.error).map(
          ([name, detail]) => `${name} (${detail.message ?? 'down'})`,
        );
        throw new HealthException('SERVICE_UNAVAILABLE', `Not ready: ${down.join(', ')}`, response);
      });
    return { status: 'ok', checks: result.details as ReadinessReport['checks'] };
  }

  private async checkRedis() {
    const session = this.indicators.check('redis');
    try {
      await withTimeout(this.redis.ping(), 'Redis');
      return session.up();
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }

  private async checkMigrations() {
    const session = this.indicators.check('migrations');
    try {
      const pending = await withTimeout(this.migrations.pending(), 'PostgreSQL');
      return pending.length
        ? session.down({ message: `${pending.length} pending migration(s)`, pending })
        : session.up();
    } catch (error) {
      return session.down({ message: (error as Error).message });
    }
  }
}
