import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import type { ApiKeyEntity, ApiKeyRole } from './api-key.entity';
import { generateApiKey, hashApiKey, visiblePrefix } from './api-key-secret';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysException } from './auth.exception';
import { ApiKeyDto, type CreatedApiKeyDto } from './dto/api-key.dto';
import type { AuthFailure, Principal } from './principal';

const CHANGES_CHANNEL = 'api-keys.changed';
const POSITIVE_TTL_MS = 60_000;
const NEGATIVE_TTL_MS = 10_000;
const USAGE_FLUSH_INTERVAL_MS = 5_000;
const MAX_CACHE_ENTRIES = 50_000;

export type Resolution = { principal: Principal } | { failure: Exclude<AuthFailure, 'missing'> };

interface CacheEntry {
  keyHash: string;
  resolution: Resolution;
  expiresAt: number;
}

/**
 * API keys: creation (secret shown once, SHA-256 stored), listing, revocation, and the lookup
 * every request makes. Lookups are cached in memory so an authenticated request does not query
 * PostgreSQL; a change to a key is announced on Redis and every replica drops its cached copy at
 * once. Last-used times are collected in memory and written in one statement every few seconds.
 */
@Injectable()
export class ApiKeysService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ApiKeysService.name);
  private readonly cache = new Map<string, CacheEntry>();
  /** Unknown and revoked keys, apart: a flood of made-up keys empties only this one. */
  private readonly negativeCache = new Map<string, CacheEntry>();
  /** Counts key changes seen (here or announced); a lookup that spans one is not cached. */
  private changes = 0;
  /** API key id -> when it was last used (epoch ms), written to PostgreSQL in batches. */
  private readonly usage = new Map<string, number>();
  private usageTimer?: NodeJS.Timeout;
  private readonly changeListeners = new Set<(keyHash: string) => void>();

  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.redis.subscribe(
      CHANGES_CHANNEL,
      (keyHash) => {
        this.forget(keyHash);
        this.changeListeners.forEach((listener) => listener(keyHash));
      },
      () => this.forgetAll(),
    );
    this.usageTimer = setInterval(() => void this.flushUsage(), USAGE_FLUSH_INTERVAL_MS);
    this.usageTimer.unref();
    const bootstrapKey = this.config.get('ADMIN_API_KEY');
    if (bootstrapKey) {
      await this.ensureBootstrapKey(bootstrapKey);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.usageTimer);
    await this.flushUsage();
  }

  async create(params: { name: string; role: ApiKeyRole }): Promise<CreatedApiKeyDto> {
    const existing = await this.repository.findActiveByName(params.name);
    const nameTaken = (id?: string) =>
      new ApiKeysException(
        'CONFLICT',
        `An active API key named "${params.name}" already exists${id ? ` (id ${id})` : ''}; revoke it or choose another name`,
        [{ field: 'name', problem: 'is already used by an active key' }],
      );
    if (existing) {
      throw nameTaken(existing.id);
    }
    const key = generateApiKey();
    const apiKey = await this.repository.create({
      name: params.name,
      role: params.role,
      keyHash: hashApiKey(key),
      prefix: visiblePrefix(key),
    });
    if (!apiKey) {
      // Another creation of the same name won the race.
      throw nameTaken();
    }
    await this.announceChange(apiKey.keyHash);
    this.logger.log(`Created ${apiKey.role} API key ${apiKey.prefix}… named "${apiKey.name}"`);
    return { apiKey: ApiKeyDto.from(apiKey), key };
  }

  /** Whether any admin key can be used (for a start-up hint when there is none). */
  async hasActiveAdmin(): Promise<boolean> {
    return this.repository.hasActiveAdmin();
  }

  async list(
    filter: { role?: ApiKeyRole; includeRevoked?: 'true' | 'false' } = {},
  ): Promise<ApiKeyDto[]> {
    const apiKeys = await this.repository.list({
      role: filter.role,
      activeOnly: filter.includeRevoked === 'false',
    });
    return apiKeys.map(ApiKeyDto.from);
  }

  async get(id: string): Promise<ApiKeyDto> {
    return ApiKeyDto.from(await this.findOrFail(id));
  }

  private async findOrFail(id: string): Promise<ApiKeyEntity> {
    const apiKey = await this.repository.find(id);
    if (!apiKey) {
      throw new ApiKeysException('NOT_FOUND', `No API key with id ${id}`);
    }
    return apiKey;
  }

  /** Revokes a key; revoking a revoked key changes nothing (a retried DELETE is harmless). */
  async revoke(id: string): Promise<ApiKeyDto> {
    const apiKey = await this.findOrFail(id);
    if (!apiKey.revokedAt) {
      await this.repository.revoke(id);
      this.logger.log(`Revoked API key ${apiKey.prefix}… named "${apiKey.name}"`);
    }
    this.forget(apiKey.keyHash);
    await this.announceChange(apiKey.keyHash);
    return this.get(id);
  }

  /**
   * Who a presented key belongs to, from the in-memory cache without any I/O; undefined when the
   * cache does not know (then call `resolve`).
   */
  resolveCached(key: string): Resolution | undefined {
    // Keyed by the presented key itself: a cached request costs no SHA-256.
    const cached = this.cache.get(key) ?? this.negativeCache.get(key);
    const now = Date.now();
    if (!cached || cached.expiresAt <= now) {
      return undefined;
    }
    this.recordUse(cached.resolution, now);
    return cached.resolution;
  }

  /** Who a presented key belongs to: the cache, else PostgreSQL (and the answer is cached). */
  async resolve(key: string): Promise<Resolution> {
    const cached = this.resolveCached(key);
    if (cached) {
      return cached;
    }
    const keyHash = hashApiKey(key);
    const changesBefore = this.changes;
    let resolution = await this.lookup(keyHash);
    if (this.changes !== changesBefore) {
      // A key changed while this lookup ran (a revocation committed after it read the row, say):
      // its answer may be the old one; read again, and cache nothing.
      resolution = await this.lookup(keyHash);
      this.recordUse(resolution, Date.now());
      return resolution;
    }
    const now = Date.now();
    const positive = 'principal' in resolution;
    const cache = positive ? this.cache : this.negativeCache;
    if (cache.size >= MAX_CACHE_ENTRIES) {
      cache.clear();
    }
    cache.set(key, {
      keyHash,
      resolution,
      expiresAt: now + (positive ? POSITIVE_TTL_MS : NEGATIVE_TTL_MS),
    });
    this.recordUse(resolution, now);
    return resolution;
  }

  /** Calls `listener` with the key's hash whenever a key changes here or on another replica. */
  onChange(listener: (keyHash: string) => void): void {
    this.changeListeners.add(listener);
  }

  /** The id of the key with this hash if it is revoked; undefined if it is active or unknown. */
  async revokedKeyId(keyHash: string): Promise<string | undefined> {
    const apiKey = await this.repository.findByHash(keyHash);
    return apiKey?.revokedAt ? apiKey.id : undefined;
  }

  /** Drops the cached answers for a key (revoked or created here or on another replica). */
  private forget(keyHash: string): void {
    this.changes++;
    for (const cache of [this.cache, this.negativeCache]) {
      for (const [key, entry] of cache) {
        if (entry.keyHash === keyHash) {
          cache.delete(key);
        }
      }
    }
  }
  /** Drops every cached answer (the change announcements may have been missed). */
  private forgetAll(): void {
    this.changes++;
    this.cache.clear();
    this.negativeCache.clear();
  }

  private recordUse(resolution: Resolution, now: number): void {
    if ('principal' in resolution) {
      this.usage.set(resolution.principal.apiKeyId, now);
    }
  }

  private async lookup(keyHash: string): Promise<Resolution> {
    const apiKey = await this.repository.findByHash(keyHash);
    if (!apiKey) {
      return { failure: 'unknown' };
    }
    if (apiKey.revokedAt) {
      return { failure: 'revoked' };
    }
    return {
      principal: {
        apiKeyId: apiKey.id,
        name: apiKey.name,
        role: apiKey.role,
        prefix: apiKey.prefix,
      },
    };
  }

  /** Makes sure ADMIN_API_KEY exists as an admin key. A revoked one stays revoked. */
  async ensureBootstrapKey(key: string): Promise<void> {
    const keyHash = hashApiKey(key);
    await this.repository.insertIfAbsent({
      name: 'bootstrap-admin',
      role: 'admin',
      keyHash,
      prefix: visiblePrefix(key),
    });
    const apiKey = await this.repository.findByHash(keyHash);
    if (!apiKey) {
      // The insert was ignored for the name alone: an active key already holds it.
      throw new Error(
        'ADMIN_API_KEY could not be stored: an active key named "bootstrap-admin" has another secret',
      );
    }
    if (apiKey.revokedAt) {
      this.logger.warn(
        `ADMIN_API_KEY (${apiKey.prefix}…) was revoked on ${apiKey.revokedAt.toISOString()} and stays revoked; set a new one`,
      );
      return;
    }
    if (apiKey.role !== 'admin') {
      await this.repository.setRole(apiKey.id, 'admin');
      await this.announceChange(keyHash);
    }
  }

  async flushUsage(): Promise<void> {
    if (!this.usage.size) {
      return;
    }
    const ids = [...this.usage.keys()];
    const times = ids.map((id) => new Date(this.usage.get(id) as number).toISOString());
    this.usage.clear();
    try {
      await this.repository.recordLastUsed(ids, times);
    } catch (error) {
      this.logger.warn(`Could not record API key usage: ${(error as Error).message}`);
    }
  }

  private async announceChange(keyHash: string): Promise<void> {
    await this.redis.publish(CHANGES_CHANNEL, keyHash);
  }
}
