import { Args, Mutation, Query, Resolver } from '@nestjs/graphql';
import { EnqueuedJobDto } from '../queue/dto/job.dto';
import { Access } from '../auth/access.decorator';
import {
  LatestSentimentDto,
  SentimentDto,
  SentimentArgs,
  SentimentSourceDto,
} from './dto/sentiment.dto';
import { SentimentService } from './sentiment.service';

@Resolver()
export class SentimentResolver {
  constructor(private readonly service: SentimentService) {}

  @Query(() => SentimentDto, {
    description: 'Sentiment series of a coin and the market-wide ones, ascending',
  })
  @Access('public-read')
  sentiment(@Args() args: SentimentArgs): Promise<SentimentDto> {
    const { symbol, ...query } = args;
    return this.service.getSentiment(symbol, query);
  }

  @Query(() => [LatestSentimentDto], {
    description: 'The newest point of each sentiment series for a coin',
  })
  @Access('public-read')
  latestSentiment(@Args('symbol') symbol: string): Promise<LatestSentimentDto[]> {
    return this.service.getLatest(symbol);
  }

  @Mutation(() => EnqueuedJobDto, { description: 'Poll a sentiment source now (admin)' })
  @Access('admin')
  pollSentiment(@Args('source') source: string): Promise<EnqueuedJobDto> {
    return this.service.requestPoll(source);
  }

  @Query(() => [SentimentSourceDto], { description: 'Sentiment sources and their state' })
  @Access('public-read')
  sentimentSources(): Promise<SentimentSourceDto[]> {
    return this.service.getSources();
  }
}
