import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Access } from '../auth/access.decorator';
import { HeavyRequest } from '../common/overload-heavy-requests';
import { EnqueuedJobDto } from '../queue/dto/job.dto';
import { ModelDto, ModelsQueryDto, TrainModelDto } from './dto/models.dto';
import { ModelsService } from './models.service';

@Resolver()
export class ModelsResolver {
  constructor(private readonly service: ModelsService) {}

  @Query(() => [ModelDto], { description: 'Model versions, newest first' })
  @Access('client')
  models(@Args() query: ModelsQueryDto): Promise<ModelDto[]> {
    return this.service.list(query);
  }

  @Query(() => ModelDto, { description: 'One model version' })
  @Access('client')
  model(@Args('id', { type: () => ID }) id: string): Promise<ModelDto> {
    return this.service.get(id);
  }

  @Mutation(() => EnqueuedJobDto, { description: 'Train a model in the background (admin)' })
  @Access('admin')
  @HeavyRequest()
  trainModel(@Args('input') input: TrainModelDto): Promise<EnqueuedJobDto> {
    return this.service.train(input);
  }

  @Mutation(() => ModelDto, {
    description: 'Promote a candidate or roll back to a retired version (admin)',
  })
  @Access('admin')
  promoteModel(@Args('id', { type: () => ID }) id: string): Promise<ModelDto> {
    return this.service.promote(id);
  }

  @Mutation(() => ModelDto, { description: 'Retire a model version (admin)' })
  @Access('admin')
  retireModel(@Args('id', { type: () => ID }) id: string): Promise<ModelDto> {
    return this.service.retire(id);
  }
}
