import { Injectable } from '@nestjs/common';
import { hostname } from 'node:os';
import { AppConfig } from '../config/app-config';
import type { MlBackendPort, MlBackendStatus } from '../health/ml-backend.port';
import { RedisService } from '../redis/redis.service';
import { loadTensorFlow, type LoadedTensorFlow } from './engine/tf-backend';

export type ReportedBackend = MlBackendStatus;

/** TensorFlow.js for this process, loaded on first use (the api never trains; it only reports). */
@Injectable()
export class TensorFlowProvider implements MlBackendPort {
  private loaded?: LoadedTensorFlow;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisService,
  ) {}

  private get key(): string {
    return this.config.redisKey('models', 'tensorflow-backend');
  }

  /** Workers say which backend they train on, for `/health` of every process. */
  async report(): Promise<void> {
    const { backend } = await this.get();
    const reported: ReportedBackend = {
      backend,
      worker: `${hostname()}:${process.pid}`,
      reportedAt: new Date().toISOString(),
    };
    await this.redis.client.set(this.key, JSON.stringify(reported));
  }

  private reportedCache?: { at: number; value: ReportedBackend | null };
  private refreshing?: Promise<void>;

  /**
   * What a worker last reported, read from Redis at most every 10 s and in the background, so
   * liveness never waits on Redis (with Redis down, a read waits out its command timeout and a
   * probe would fail a healthy api); only the very first read is waited for, 250 ms at most.
   */
  async reported(): Promise<ReportedBackend | null> {
    if (!this.reportedCache || Date.now() - this.reportedCache.at > 10_000) {
      this.refreshing ??= this.refreshReported().finally(() => (this.refreshing = undefined));
      if (!this.reportedCache) {
        await Promise.race([this.refreshing, new Promise((resolve) => setTimeout(resolve, 250))]);
      }
    }
    return this.reportedCache?.value ?? null;
  }

  private async refreshReported(): Promise<void> {
    try {
      const value = await this.redis.client.get(this.key);
      this.reportedCache = {
        at: Date.now(),
        value: value ? (JSON.parse(value) as ReportedBackend) : null,
      };
    } catch {
      // Redis away: keep what was last known, and try again in 10 s.
      this.reportedCache = { at: Date.now(), value: this.reportedCache?.value ?? null };
    }
  }

  /** The backend this process trains on, or the one a worker last reported (the api never trains). */
  async status(): Promise<MlBackendStatus | null> {
    const local = this.backend;
    return local
      ? {
          backend: local,
          worker: `${hostname()}:${process.pid}`,
          reportedAt: new Date().toISOString(),
        }
      : this.reported();
  }

  async get(): Promise<LoadedTensorFlow> {
    this.loaded ??= await loadTensorFlow(this.config.get('TF_BACKEND'));
    return this.loaded;
  }

  /** The backend in use, or undefined before TensorFlow.js was loaded in this process. */
  get backend(): string | undefined {
    return this.loaded?.backend;
  }
}
