import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { SharedRead } from '../common/shared-read';
import type { MarketKey } from '../market-data/candle';
import { RedisService } from '../redis/redis.service';
import { MODEL_PROMOTED, MODEL_RETIRED } from './model-events';
import type { ModelVersionEntity } from './model-version.entity';
import { ModelVersionsRepository } from './model-versions.repository';

/**
 * Kept at most this long: a promotion whose `model.promoted` was lost (a crash between the commit
 * and the publish) is seen after it.
 */
const MAX_AGE_MS = 60_000;

const keyOf = (market: MarketKey) => `${market.exchange}\t${market.symbol}\t${market.interval}`;

/**
 * Every market's production version, read in one query and kept in memory until a promotion or
 * retirement anywhere (`model.promoted`, `model.retired`), a Redis reconnect, or a minute. The
 * closing burst asks for each market's production model three times (forecast, signals,
 * catch-up): one snapshot answers all of them for every market.
 */
@Injectable()
export class ProductionVersions implements OnApplicationBootstrap {
  private readonly snapshot: SharedRead<Map<string, ModelVersionEntity>>;

  constructor(
    private readonly redis: RedisService,
    versions: ModelVersionsRepository,
  ) {
    this.snapshot = new SharedRead(
      async () =>
        new Map((await versions.allProduction()).map((version) => [keyOf(version), version])),
      MAX_AGE_MS,
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    const drop = () => this.changed();
    await this.redis.subscribe(MODEL_PROMOTED, drop, drop);
    await this.redis.subscribe(MODEL_RETIRED, drop, drop);
  }

  /** The market's production version now, or null when it has none. Do not modify it. */
  async of(market: MarketKey): Promise<ModelVersionEntity | null> {
    return (await this.snapshot.get()).get(keyOf(market)) ?? null;
  }

  /**
   * A production version changed: the next call reads them all again. Those who learn of a change
   * by its event call this first (the order of a channel's handlers is not theirs to choose).
   */
  changed(): void {
    this.snapshot.drop();
  }
}
