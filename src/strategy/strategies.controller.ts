import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { EvaluateStrategyDto, SignalDto, StrategyDto } from './dto/strategy.dto';
import { StrategiesService } from './strategies.service';

@ApiTags('strategies and signals')
@Controller('strategies')
@Access('client')
export class StrategiesController {
  constructor(private readonly strategies: StrategiesService) {}

  @Get()
  @ApiOperation({ summary: 'Every strategy version, newest version first per name' })
  @ApiOkResponse({ type: [StrategyDto] })
  list(): Promise<StrategyDto[]> {
    return this.strategies.list();
  }

  @Get(':id')
  @ApiOperation({ summary: 'One strategy version (id), or the active version of a name' })
  @ApiOkResponse({ type: StrategyDto })
  get(@Param('id') id: string): Promise<StrategyDto> {
    return this.strategies.get(id);
  }

  @Post(':id/evaluate')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Dry run: the decision the strategy would take now for a market, without writing a signal',
  })
  @ApiOkResponse({ type: SignalDto })
  evaluate(@Param('id') id: string, @Body() body: EvaluateStrategyDto): Promise<SignalDto> {
    return this.strategies.evaluate(id, body);
  }
}
