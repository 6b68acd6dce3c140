import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../../auth/access.decorator';
import { OperationIdPrefix } from '../../common/openapi-errors';
import { HeavyRequest } from '../../common/overload-heavy-requests';
import { SearchModelsDto, SearchStartedDto } from './dto/model-search.dto';
import { ModelSearchService } from './model-search.service';

@ApiTags('models')
@OperationIdPrefix('ModelSearches')
@Controller('admin/models/search')
@Access('admin')
export class ModelSearchesAdminController {
  constructor(private readonly searches: ModelSearchService) {}

  @Post()
  @HeavyRequest()
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Search model kinds and hyperparameters for a market on its training part (trials as jobs, walk-forward folds inside), then evaluate the best once on the held-back test part; follow GET /models/searches/{id}',
  })
  @ApiAcceptedResponse({ type: SearchStartedDto })
  start(@Body() body: SearchModelsDto): Promise<SearchStartedDto> {
    return this.searches.start(body);
  }
}
