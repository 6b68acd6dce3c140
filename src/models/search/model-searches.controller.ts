import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../../auth/access.decorator';
import { ModelSearchDto, ModelSearchesQueryDto } from './dto/model-search.dto';
import { ModelSearchService } from './model-search.service';

@ApiTags('models')
@Controller('models/searches')
@Access('client')
export class ModelSearchesController {
  constructor(private readonly searches: ModelSearchService) {}

  @Get()
  @ApiOperation({ summary: 'Model searches, newest first, with their trials' })
  @ApiOkResponse({ type: [ModelSearchDto] })
  list(@Query() query: ModelSearchesQueryDto): Promise<ModelSearchDto[]> {
    return this.searches.list(query);
  }

  @Get(':id')
  @ApiOperation({
    summary:
      'One search: progress, every trial (params, fold metrics, time), the number of trials and the best with its test-part evaluation',
  })
  @ApiOkResponse({ type: ModelSearchDto })
  get(@Param('id') id: string): Promise<ModelSearchDto> {
    return this.searches.get(id);
  }
}
