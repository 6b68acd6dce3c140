import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { SharedRead } from '../../common/shared-read';
import { RedisService } from '../../redis/redis.service';
import { parseStrategyDefinition, type StrategyDefinition } from '../engine/strategy-definition';
import { StrategiesRepository } from '../strategies.repository';
import { STRATEGIES_CHANGED } from '../strategy-events';

/** A new strategy version whose event was lost takes effect in the live path within this long. */
const MAX_AGE_MS = 5000;

export interface ActiveStrategy {
  id: string;
  name: string;
  version: number;
  definition: StrategyDefinition;
}

/**
 * The active strategy versions, parsed, read once for every market: a closing burst asks for
 * them once per market and path (live signals, catch-up), all in the same second. Concurrent
 * callers share one read; the list is read again after a new version (`strategies.changed`), a
 * Redis reconnect, or 5 s.
 */
@Injectable()
export class ActiveStrategies implements OnApplicationBootstrap {
  private readonly active: SharedRead<ActiveStrategy[]>;

  constructor(
    strategies: StrategiesRepository,
    private readonly redis: RedisService,
  ) {
    this.active = new SharedRead(
      async () =>
        (await strategies.active()).map((row) => ({
          id: row.id,
          name: row.name,
          version: row.version,
          definition: parseStrategyDefinition(row.definition),
        })),
      MAX_AGE_MS,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const drop = () => this.active.drop();
    await this.redis.subscribe(STRATEGIES_CHANGED, drop, drop);
  }

  list(): Promise<ActiveStrategy[]> {
    return this.active.get();
  }
}
