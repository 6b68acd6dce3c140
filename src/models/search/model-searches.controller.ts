import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../../auth/access.decorator';
import { HeavyRequest } from '../../common/overload-heavy-requests';
import {
  ModelSearchDto,
  ModelSearchesQueryDto,
  SearchModelsDto,
  SearchStartedDto,
} from './dto/model-search.dto';
import { ModelSearchService } from './model-search.service';

@ApiTags('models')
@Controller()
export class ModelSearchesController {
  constructor(private readonly searches: ModelSearchService) {}

  @Post('admin/models/search')
  @HeavyRequest()
  @HttpCode(202)
  @Access('admin')
  @ApiOperation({
    summary:
      'Search model kinds and hyperparameters for a market on its training part (trials as jobs, walk-forward folds inside), then evaluate the best once on the held-back test part; follow GET /models/searches/{id}',
  })
  @ApiAcceptedResponse({ type: SearchStartedDto })
  start(@Body() body: SearchModelsDto): Promise<SearchStartedDto> {
    return this.searches.start(body);
  }

  @Get('models/searches')
  @Access('client')
  @ApiOperation({ summary: 'Model searches, newest first, with their trials' })
  @ApiOkResponse({ type: [ModelSearchDto] })
  list(@Query() query: ModelSearchesQueryDto): Promise<ModelSearchDto[]> {
    return this.searches.list(query);
  }

  @Get('models/searches/:id')
  @Access('client')
  @ApiOperation({
    summary:
      'One search: progress, every trial (params, fold metrics, time), the number of trials and the best with its test-part evaluation',
  })
  @ApiOkResponse({ type: ModelSearchDto })
  get(@Param('id') id: string): Promise<ModelSearchDto> {
    return this.searches.get(id);
  }
}
