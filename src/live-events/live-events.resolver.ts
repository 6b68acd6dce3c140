import { Args, Context, ID, Resolver, Subscription } from '@nestjs/graphql';
import type { PubSub } from 'mercurius';
import { Access } from '../auth/access.decorator';
import { AuthException } from '../auth/auth.exception';
import { MarketCatalogue } from '../market-data/market-catalogue';
import { PredictionDto } from '../models/dto/models.dto';
import { PaperTradeExecutedDto } from '../paper/dto/paper-trade-event.dto';
import { PaperAccountsService } from '../paper/paper-accounts.service';
import { SignalDto } from '../strategy/dto/strategy.dto';
import { CandleClosedDto } from './live-events.dto';
import { liveTopics } from './live-events';
import { LiveSessions, type LiveSessionContext } from './live-sessions';

/**
 * Live events over GraphQL subscriptions (websocket at /graphql). The API key is checked when the
 * connection opens (`connection_init` payload), so each field here is open to any connection
 * that got that far; `LiveSessions` closes the connections of a key revoked later.
 */
@Resolver()
@Access('public')
export class LiveEventsResolver {
  constructor(
    private readonly catalogue: MarketCatalogue,
    private readonly paperAccounts: PaperAccountsService,
    private readonly sessions: LiveSessions,
  ) {}

  @Subscription(() => SignalDto, {
    description: 'Every new decision of any active strategy for a market',
  })
  signalCreated(
    @Args('symbol') symbol: string,
    @Context() context: LiveSessionContext & { pubsub: PubSub },
  ): Promise<AsyncIterableIterator<unknown>> {
    this.sessions.track(context);
    return context.pubsub.subscribe(liveTopics.signalCreated(this.catalogue.resolveSymbol(symbol)));
  }

  @Subscription(() => PredictionDto, {
    description: 'Every new prediction of the production model for a market',
  })
  predictionUpdated(
    @Args('symbol') symbol: string,
    @Context() context: LiveSessionContext & { pubsub: PubSub },
  ): Promise<AsyncIterableIterator<unknown>> {
    this.sessions.track(context);
    return context.pubsub.subscribe(
      liveTopics.predictionUpdated(this.catalogue.resolveSymbol(symbol)),
    );
  }

  @Subscription(() => CandleClosedDto, { description: 'Every closed candle of a market' })
  candleClosed(
    @Args('symbol') symbol: string,
    @Args('interval') interval: string,
    @Context() context: LiveSessionContext & { pubsub: PubSub },
  ): Promise<AsyncIterableIterator<unknown>> {
    this.sessions.track(context);
    const base = this.catalogue.resolveSymbol(symbol);
    return context.pubsub.subscribe(
      liveTopics.candleClosed(base, this.catalogue.resolveInterval(interval)),
    );
  }

  @Subscription(() => PaperTradeExecutedDto, {
    description:
      "Every order a paper account fills, of one account (its id or name) or of all; needs an API key, as the accounts' queries",
  })
  async paperTradeExecuted(
    @Args('accountId', { type: () => ID, nullable: true }) accountId: string | null | undefined,
    @Context() context: LiveSessionContext & { pubsub: PubSub },
  ): Promise<AsyncIterableIterator<unknown>> {
    this.sessions.track(context);
    // Paper accounts are not market data: PUBLIC_READ connections without a key do not see them.
    if (!context.principal) {
      throw new AuthException(
        'UNAUTHENTICATED',
        'paperTradeExecuted needs an API key in the connection_init payload',
      );
    }
    const id = accountId ? await this.paperAccounts.resolve(accountId) : null;
    return context.pubsub.subscribe(liveTopics.paperTradeExecuted(id));
  }
}
