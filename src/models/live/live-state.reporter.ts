import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { hostname } from 'node:os';
import { HotPath } from '../../cluster/hot-path';
import { MarketShards } from '../../cluster/market-shards.service';
import { AppConfig } from '../../config/app-config';
import { LiveIndicatorsService } from '../../indicators/live/live-indicators.service';
import { CandleWindowCache } from '../../market-data/candle-window.cache';
import { RedisService } from '../../redis/redis.service';
import type { ModelCacheStats } from './model-cache';
import { ProductionModels } from './production-models';

/** The memory-relevant live state one process holds, as `/metrics` shows it per process. */
export interface LiveStateSnapshot {
  /** `host:pid`. */
  process: string;
  reportedAt: number;
  models: ModelCacheStats;
  indicatorWindows: number;
  candleWindows: { entries: number; candles: number };
  rssBytes: number;
  /** The live path's share here: markets owned, closes decided, workers sharing (0: not a worker). */
  shard: { markets: number; decided: number; members: number };
  /** Times background jobs waited for the live path in this process, and for how long. */
  hotPath: { yields: number; yieldedMs: number };
}

/** How often a worker reports; a report older than three of these is from a process gone. */
export const LIVE_STATE_REPORT_MS = 10_000;

export const THIS_PROCESS = `${hostname()}:${process.pid}`;

const NO_MODELS: ModelCacheStats = {
  maxModels: 0,
  loaded: 0,
  weightBytes: 0,
  loads: 0,
  evictions: 0,
};

function liveStateKey(config: AppConfig): string {
  return config.redisKey('metrics', 'live-state');
}

/** A provider of another module when this process runs it (the worker's live services), else undefined. */
function find<T>(moduleRef: ModuleRef, type: new (...args: never[]) => T): T | undefined {
  try {
    return moduleRef.get(type, { strict: false });
  } catch {
    return undefined;
  }
}

/** This process's live state, read from whichever of the services holding it run here. */
export function localLiveState(moduleRef: ModuleRef): LiveStateSnapshot {
  return {
    process: THIS_PROCESS,
    reportedAt: Date.now(),
    models: find(moduleRef, ProductionModels)?.stats() ?? NO_MODELS,
    indicatorWindows: find(moduleRef, LiveIndicatorsService)?.windowCount ?? 0,
    candleWindows: find(moduleRef, CandleWindowCache)?.stats() ?? { entries: 0, candles: 0 },
    rssBytes: process.memoryUsage.rss(),
    shard: find(moduleRef, MarketShards)?.snapshot() ?? { markets: 0, decided: 0, members: 0 },
    hotPath: find(moduleRef, HotPath)?.snapshot() ?? { yields: 0, yieldedMs: 0 },
  };
}

/**
 * The live state other processes reported (worker processes have no HTTP server of their own),
 * newest report of each; reports of processes that stopped reporting are removed.
 */
export async function reportedLiveStates(
  redis: RedisService,
  config: AppConfig,
): Promise<LiveStateSnapshot[]> {
  const key = liveStateKey(config);
  const reports = await redis.client.hgetall(key);
  const oldest = Date.now() - 3 * LIVE_STATE_REPORT_MS;
  const live: LiveStateSnapshot[] = [];
  const gone: string[] = [];
  for (const [processId, json] of Object.entries(reports)) {
    const snapshot = JSON.parse(json) as LiveStateSnapshot;
    if (snapshot.reportedAt < oldest) {
      gone.push(processId);
    } else if (processId !== THIS_PROCESS) {
      live.push(snapshot);
    }
  }
  if (gone.length) {
    await redis.client.hdel(key, ...gone);
  }
  return live;
}

export async function reportLiveState(
  redis: RedisService,
  config: AppConfig,
  snapshot: LiveStateSnapshot,
): Promise<void> {
  await redis.client.hset(liveStateKey(config), snapshot.process, JSON.stringify(snapshot));
}

/**
 * Every 10 s, a worker writes its live state (loaded models, model cache loads and evictions,
 * indicator windows, candle windows, RSS) to Redis, for the `/metrics` of any api process.
 */
@Injectable()
export class LiveStateReporter implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LiveStateReporter.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.report(), LIVE_STATE_REPORT_MS);
    this.timer.unref();
    void this.report();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.redis.client.hdel(liveStateKey(this.config), THIS_PROCESS).catch(() => undefined);
  }

  private async report(): Promise<void> {
    try {
      await reportLiveState(this.redis, this.config, localLiveState(this.moduleRef));
    } catch (error) {
      this.logger.warn(`Could not report this worker's live state: ${(error as Error).message}`);
    }
  }
}
