import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { PubSub } from 'mercurius';
import { AppConfig } from '../config/app-config';
import { parseDuration } from '../config/config.schema';
import { CANDLE_CLOSED, type CandleClosedEvent } from '../market-data/candle-events';
import type { CachedPrediction } from '../models/live/prediction.cache';
import { PREDICTION_UPDATED } from '../models/model-events';
import { predictionDto } from '../models/models.service';
import { paperTradeExecutedDto } from '../paper/dto/paper-trade-event.dto';
import { PAPER_TRADE_EXECUTED, type PaperTradeEvent } from '../paper/paper-events';
import { RedisService } from '../redis/redis.service';
import { signalDto } from '../strategy/strategies.service';
import { SIGNAL_CREATED, signalRowOf, type SignalCreatedEvent } from '../strategy/strategy-events';
import { CandleClosedDto } from './live-events.dto';
import { liveTopics } from './live-events';

/**
 * In every api replica: forwards the live path's Redis pub/sub events to this replica's GraphQL
 * subscribers, so a subscriber sees every event whichever process produced it.
 */
@Injectable()
export class LiveEventsBridge implements OnApplicationBootstrap {
  private readonly logger = new Logger(LiveEventsBridge.name);

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisService,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  private get pubsub(): PubSub | undefined {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    return (fastify as unknown as { graphql?: { pubsub?: PubSub } } | undefined)?.graphql?.pubsub;
  }

  async onApplicationBootstrap(): Promise<void> {
    const maxAgeMs = parseDuration(this.config.get('MODEL_MAX_AGE'));
    await this.redis.subscribe(SIGNAL_CREATED, (message) =>
      this.forward(message, (event: SignalCreatedEvent) => ({
        topic: liveTopics.signalCreated(event.symbol),
        payload: { signalCreated: signalDto(event.symbol, signalRowOf(event)) },
      })),
    );
    await this.redis.subscribe(PREDICTION_UPDATED, (message) =>
      this.forward(message, (cached: CachedPrediction) => ({
        topic: liveTopics.predictionUpdated(cached.symbol),
        payload: { predictionUpdated: predictionDto(cached, maxAgeMs) },
      })),
    );
    await this.redis.subscribe(CANDLE_CLOSED, (message) =>
      this.forward(message, (event: CandleClosedEvent) => ({
        topic: liveTopics.candleClosed(event.symbol, event.interval),
        payload: {
          candleClosed: Object.assign(new CandleClosedDto(), {
            symbol: event.symbol,
            pair: event.pair,
            interval: event.interval,
            candle: { ...event.candle, openTime: new Date(event.candle.openTime) },
          }),
        },
      })),
    );
    // Each filled paper order goes to the subscribers of its account and of every account.
    await this.redis.subscribe(PAPER_TRADE_EXECUTED, (message) =>
      this.forward(message, (event: PaperTradeEvent) => ({
        topic: [
          liveTopics.paperTradeExecuted(event.accountId),
          liveTopics.paperTradeExecuted(null),
        ],
        payload: { paperTradeExecuted: paperTradeExecutedDto(event) },
      })),
    );
  }

  private forward<T>(
    message: string,
    build: (event: T) => { topic: string | readonly string[]; payload: unknown },
  ): void {
    const pubsub = this.pubsub;
    if (!pubsub) {
      return;
    }
    try {
      const { topic, payload } = build(JSON.parse(message) as T);
      for (const each of typeof topic === 'string' ? [topic] : topic) {
        pubsub.publish({ topic: each, payload }, () => undefined);
      }
    } catch (error) {
      this.logger.error(`A live event could not be forwarded: ${(error as Error).message}`);
    }
  }
}
