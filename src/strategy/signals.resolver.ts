import { Args, Query, Resolver } from '@nestjs/graphql';
import { Access } from '../auth/access.decorator';
import { SignalDto, SignalHistoryArgs, SignalsArgs } from './dto/strategy.dto';
import { StrategiesService } from './strategies.service';

@Resolver()
@Access('public-read')
export class SignalsResolver {
  constructor(private readonly service: StrategiesService) {}

  @Query(() => [SignalDto], {
    description: 'The latest decision of each active strategy for a market',
  })
  signals(@Args() args: SignalsArgs): Promise<SignalDto[]> {
    const { symbol, ...query } = args;
    return this.service.latest(symbol, query);
  }

  @Query(() => [SignalDto], { description: 'Past decisions for a market, newest first' })
  signalHistory(@Args() args: SignalHistoryArgs): Promise<SignalDto[]> {
    const { symbol, ...query } = args;
    return this.service.history(symbol, query);
  }
}
