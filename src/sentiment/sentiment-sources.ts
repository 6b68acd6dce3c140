import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { RedisService } from '../redis/redis.service';
import { FearGreedSource } from './sources/fear-greed.source';
import { LunarCrushSource } from './sources/lunarcrush.source';
import type { SentimentSource, SentimentSourceName } from './sources/sentiment.source';

export const SENTIMENT_SOURCE_NAMES: readonly SentimentSourceName[] = ['lunarcrush', 'fear-greed'];

/** What every process knows about a source, kept in Redis. */
export interface SentimentSourceState {
  /** Set when the source refused our credentials: polling stops until the config changes. */
  disabledReason?: string;
  /** Epoch ms until which the source asked us not to call (429). */
  pausedUntil?: number;
  lastPolledAt?: number;
  lastError?: string;
}

/** The configured sentiment sources (ghostfolio-style registry: one interface, picked by config). */
@Injectable()
export class SentimentSources {
  private readonly logger = new Logger(SentimentSources.name);
  readonly all: readonly SentimentSource[];

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisService,
  ) {
    this.all = [
      new LunarCrushSource({
        apiKey: config.get('LUNARCRUSH_API_KEY'),
        apiUrl: config.get('LUNARCRUSH_API_URL'),
        requestsPerMinute: config.get('LUNARCRUSH_REQUESTS_PER_MINUTE'),
      }),
      new FearGreedSource({
        // `off` disables the source (an empty variable means "use the default").
        apiUrl: config.get('FEAR_GREED_API_URL') === 'off' ? '' : config.get('FEAR_GREED_API_URL'),
      }),
    ];
  }

  get(name: SentimentSourceName): SentimentSource {
    const source = this.all.find((candidate) => candidate.getName() === name);
    if (!source) {
      throw new Error(`No sentiment source ${name}`);
    }
    return source;
  }

  /** Logs one line per source that config leaves disabled, once per process. */
  logConfiguration(): void {
    for (const source of this.all) {
      const status = source.isEnabled();
      if (status.enabled) {
        this.logger.log(`Sentiment source ${source.getName()} enabled`);
      } else {
        this.logger.warn(`Sentiment source ${source.getName()} disabled: ${status.reason}`);
      }
    }
  }

  private get key(): string {
    return this.config.redisKey('sentiment', 'source-state');
  }

  async state(name: SentimentSourceName): Promise<SentimentSourceState> {
    const value = await this.redis.client.hget(this.key, name);
    return value ? (JSON.parse(value) as SentimentSourceState) : {};
  }

  async updateState(
    name: SentimentSourceName,
    change: Partial<SentimentSourceState>,
  ): Promise<void> {
    const next = { ...(await this.state(name)), ...change };
    for (const key of Object.keys(next) as (keyof SentimentSourceState)[]) {
      if (next[key] === undefined) {
        delete next[key];
      }
    }
    await this.redis.client.hset(this.key, name, JSON.stringify(next));
  }
}
