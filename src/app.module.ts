import { Module, type DynamicModule, type ModuleMetadata } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { AuthApiModule } from './auth/auth-api.module';
import { AuthModule } from './auth/auth.module';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { HttpCacheModule } from './common/http-cache.module';
import { formatGraphQLErrors } from './common/graphql-errors';
import {
  introspectionDisabled,
  queryDepthLimit,
  rootFieldLimit,
  validateSubscription,
} from './common/graphql-limits';
import { LifecycleModule } from './common/lifecycle.service';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { GraphiqlModule } from './graphql-tools/graphiql.module';
import { introspectionAccess } from './graphql-tools/introspection-access';
import { HealthModule } from './health/health.module';
import { IndicatorsApiModule } from './indicators/indicators-api.module';
import { IndicatorsModule } from './indicators/indicators.module';
import { IndicatorsWorkerModule } from './indicators/indicators-worker.module';
import { LoggingModule } from './logging/logging.module';
import { ModelsApiModule } from './models/models-api.module';
import { ModelsModule } from './models/models.module';
import { ModelsWorkerModule } from './models/models-worker.module';
import { MarketDataApiModule } from './market-data/market-data-api.module';
import { MarketDataModule } from './market-data/market-data.module';
import { MarketDataWorkerModule } from './market-data/market-data-worker.module';
import { JobsApiModule } from './queue/jobs-api.module';
import { QueueWorkersModule } from './queue/queue-workers.module';
import { ClusterModule } from './cluster/cluster.module';
import { QueueModule } from './queue/queue.module';
import { RedisModule } from './redis/redis.module';
import { SentimentApiModule } from './sentiment/sentiment-api.module';
import { SentimentModule } from './sentiment/sentiment.module';
import { SentimentWorkerModule } from './sentiment/sentiment-worker.module';
import { PaperApiModule } from './paper/paper-api.module';
import { PaperModule } from './paper/paper.module';
import { PaperWorkerModule } from './paper/paper-worker.module';
import { StrategyApiModule } from './strategy/strategy-api.module';
import { StrategyModule } from './strategy/strategy.module';
import { StrategyWorkerModule } from './strategy/strategy-worker.module';
import { ApiKeysService } from './auth/api-keys.service';
import { LiveEventsModule } from './live-events/live-events.module';
import { subscriptionAuthenticator } from './live-events/subscription-auth';
import { WebhooksApiModule } from './webhooks/webhooks-api.module';
import { WebhooksModule } from './webhooks/webhooks.module';
import { WebhooksWorkerModule } from './webhooks/webhooks-worker.module';

export interface AppRoles {
  /** HTTP API: REST, GraphQL, docs, health. */
  api: boolean;
  /** Queue processors and the live exchange stream. */
  worker: boolean;
}

/** One codebase, roles chosen at start: the api, the worker, or both in one process. */
@Module({})
export class AppModule {
  static forRoot(params: {
    config: AppConfig;
    rootLogger: Logger;
    roles: AppRoles;
  }): DynamicModule {
    const { config, rootLogger, roles } = params;
    const name = [roles.api && 'api', roles.worker && 'worker'].filter(Boolean).join('+') || 'cli';
    const imports: ModuleMetadata['imports'] = [
      ConfigModule.forRoot(config),
      LifecycleModule,
      LoggingModule.forRoot(rootLogger),
      DatabaseModule.forRoot(config, `crypto-freq-trade:${name}`),
      RedisModule,
      QueueModule,
      AuthModule,
      MarketDataModule,
      SentimentModule,
      IndicatorsModule,
      ModelsModule,
      StrategyModule,
      PaperModule,
      WebhooksModule,
    ];
    if (roles.api) {
      imports.push(
        GraphQLModule.forRootAsync<MercuriusDriverConfig>({
          driver: MercuriusDriver,
          imports: [AuthModule],
          inject: [ApiKeysService],
          useFactory: (apiKeys: ApiKeysService) => ({
            autoSchemaFile: true,
            sortSchema: true,
            // Mercurius's own GraphiQL loads React and GraphiQL from a CDN: GraphiqlModule serves it.
            graphiql: false,
            path: '/graphql',
            // Depth is limited by queryDepthLimit, which counts introspection apart from data.
            validationRules: [
              rootFieldLimit,
              queryDepthLimit,
              ...(config.get('GRAPHQL_INTROSPECTION') ? [] : [introspectionDisabled]),
            ],
            hooks: {
              preExecution: introspectionAccess(config.get('PUBLIC_READ')),
              preSubscriptionExecution: validateSubscription,
            },
            errorFormatter: formatGraphQLErrors,
            context: (req: FastifyRequest, reply: FastifyReply) => ({ req, reply }),
            subscription: {
              // The websocket, so LiveSessions can close it when its key is revoked.
              context: (socket: unknown) => ({ socket }),
              onConnect: subscriptionAuthenticator(apiKeys, config.get('PUBLIC_READ')),
              keepAlive: 30_000,
            },
          }),
        }),
        AuthApiModule,
        HttpCacheModule,
        HealthModule.register(ModelsModule),
        JobsApiModule,
        MarketDataApiModule,
        SentimentApiModule,
        IndicatorsApiModule,
        ModelsApiModule,
        StrategyApiModule,
        PaperApiModule,
        WebhooksApiModule,
        LiveEventsModule,
      );
      if (config.get('GRAPHIQL') ?? !config.isProduction) {
        imports.push(GraphiqlModule);
      }
    }
    if (roles.worker) {
      imports.push(
        ClusterModule,
        QueueWorkersModule,
        MarketDataWorkerModule,
        SentimentWorkerModule,
        IndicatorsWorkerModule,
        ModelsWorkerModule,
        StrategyWorkerModule,
        PaperWorkerModule,
        WebhooksWorkerModule,
      );
    }
    return {
      module: AppModule,
      imports,
      providers: roles.api ? [{ provide: APP_FILTER, useClass: AllExceptionsFilter }] : [],
    };
  }
}
