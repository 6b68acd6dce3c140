import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { Access } from '../../auth/access.decorator';
import { HeavyRequest } from '../../common/overload-heavy-requests';
import {
  ModelSearchDto,
  ModelSearchesQueryDto,
  SearchModelsDto,
  SearchStartedDto,
} from './dto/model-search.dto';
import { ModelSearchService } from './model-search.service';

@Resolver()
export class ModelSearchesResolver {
  constructor(private readonly service: ModelSearchService) {}

  @Query(() => [ModelSearchDto], { description: 'Model searches, newest first' })
  @Access('client')
  modelSearches(@Args() query: ModelSearchesQueryDto): Promise<ModelSearchDto[]> {
    return this.service.list(query);
  }

  @Query(() => ModelSearchDto, { description: 'One model search with its trials' })
  @Access('client')
  modelSearch(@Args('id', { type: () => ID }) id: string): Promise<ModelSearchDto> {
    return this.service.get(id);
  }

  @Mutation(() => SearchStartedDto, {
    description: 'Search model kinds and hyperparameters for a market (admin)',
  })
  @Access('admin')
  @HeavyRequest()
  searchModels(@Args('input') input: SearchModelsDto): Promise<SearchStartedDto> {
    return this.service.start(input);
  }
}
