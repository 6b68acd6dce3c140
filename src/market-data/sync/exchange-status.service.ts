import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { RedisService } from '../../redis/redis.service';

/** A 429 shorter than this is waited out inside the job; longer pauses hand the job back to the queue. */
export const MAX_INLINE_WAIT_MS = 120_000;

export interface ExchangePause {
  status: 429 | 418;
  /** Epoch ms until which nobody calls the exchange. */
  until: number;
  message: string;
}

/**
 * A ban (418) or rate-limit pause (429) one process got from the exchange, shared through Redis
 * so every worker stops calling until it ends, and shown by `GET /markets`. A shorter pause never
 * replaces a longer one.
 */
@Injectable()
export class ExchangeStatusService {
  private readonly logger = new Logger(ExchangeStatusService.name);

  constructor(
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  private get key(): string {
    return this.config.redisKey('market-data', 'exchange-pause');
  }

  async report(pause: ExchangePause): Promise<void> {
    const ttlMs = pause.until - Date.now();
    if (ttlMs <= 0) {
      return;
    }
    const current = await this.current();
    if (current && current.until >= pause.until) {
      return;
    }
    if (pause.status === 418 || ttlMs > MAX_INLINE_WAIT_MS) {
      this.logger.error(`Stopped calling the exchange: ${pause.message}`);
    } else {
      this.logger.warn(`Pausing calls to the exchange for ${ttlMs} ms: ${pause.message}`);
    }
    await this.redis.client.set(this.key, JSON.stringify(pause), 'PX', ttlMs);
  }

  async current(): Promise<ExchangePause | undefined> {
    const value = await this.redis.client.get(this.key);
    return value ? (JSON.parse(value) as ExchangePause) : undefined;
  }
}
