import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Access } from '../auth/access.decorator';
import {
  CreateStrategyDto,
  EvaluateStrategyDto,
  SignalDto,
  StrategyDto,
  UpdateStrategyDto,
} from './dto/strategy.dto';
import { StrategiesService } from './strategies.service';

@Resolver()
export class StrategiesResolver {
  constructor(private readonly service: StrategiesService) {}

  @Query(() => [StrategyDto], { description: 'Every strategy version' })
  @Access('client')
  strategies(): Promise<StrategyDto[]> {
    return this.service.list();
  }

  @Query(() => StrategyDto, {
    description: 'One strategy version (id), or the active version of a name',
  })
  @Access('client')
  strategy(@Args('id', { type: () => ID }) id: string): Promise<StrategyDto> {
    return this.service.get(id);
  }

  @Mutation(() => SignalDto, { description: 'Dry run of a strategy on the latest data' })
  @Access('client')
  evaluateStrategy(
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: EvaluateStrategyDto,
  ): Promise<SignalDto> {
    return this.service.evaluate(id, input);
  }

  @Mutation(() => StrategyDto, { description: 'Create a strategy (admin)' })
  @Access('admin')
  createStrategy(@Args('input') input: CreateStrategyDto): Promise<StrategyDto> {
    return this.service.create(input);
  }

  @Mutation(() => StrategyDto, { description: 'A new version of a strategy (admin)' })
  @Access('admin')
  updateStrategy(
    @Args('id', { type: () => ID }) id: string,
    @Args('input') input: UpdateStrategyDto,
  ): Promise<StrategyDto> {
    return this.service.update(id, input);
  }
}
