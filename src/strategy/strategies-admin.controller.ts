import { Body, Controller, Param, Post, Put } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { OperationIdPrefix } from '../common/openapi-errors';
import { CreateStrategyDto, StrategyDto, UpdateStrategyDto } from './dto/strategy.dto';
import { StrategiesService } from './strategies.service';

@ApiTags('strategies and signals')
@OperationIdPrefix('Strategies')
@Controller('admin/strategies')
@Access('admin')
export class StrategiesAdminController {
  constructor(private readonly strategies: StrategiesService) {}

  @Post()
  @ApiOperation({
    summary:
      'Create a strategy (version 1); invalid rules get a 400 naming the rule and the problem',
  })
  @ApiCreatedResponse({ type: StrategyDto })
  create(@Body() body: CreateStrategyDto): Promise<StrategyDto> {
    return this.strategies.create(body);
  }

  @Put(':id')
  @ApiOperation({
    summary:
      'A new version of the strategy; it becomes the active one (signals keep their version)',
  })
  @ApiOkResponse({ type: StrategyDto })
  update(@Param('id') id: string, @Body() body: UpdateStrategyDto): Promise<StrategyDto> {
    return this.strategies.update(id, body);
  }
}
