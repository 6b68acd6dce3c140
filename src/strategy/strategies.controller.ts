import { Body, Controller, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import {
  CreateStrategyDto,
  EvaluateStrategyDto,
  SignalDto,
  SignalHistoryQueryDto,
  SignalsQueryDto,
  StrategyDto,
  UpdateStrategyDto,
} from './dto/strategy.dto';
import { StrategiesService } from './strategies.service';

@ApiTags('strategies and signals')
@Controller()
export class StrategiesController {
  constructor(private readonly strategies: StrategiesService) {}

  @Get('signals/:symbol')
  @Access('public-read')
  @ApiOperation({
    summary:
      'The latest decision (BUY, SELL or HOLD) of each active strategy for a market, with its reasons',
  })
  @ApiOkResponse({ type: [SignalDto] })
  latest(@Param('symbol') symbol: string, @Query() query: SignalsQueryDto): Promise<SignalDto[]> {
    return this.strategies.latest(symbol, query);
  }

  @Get('signals/:symbol/history')
  @Access('public-read')
  @ApiOperation({ summary: 'Past decisions for a market, newest first' })
  @ApiOkResponse({ type: [SignalDto] })
  history(
    @Param('symbol') symbol: string,
    @Query() query: SignalHistoryQueryDto,
  ): Promise<SignalDto[]> {
    return this.strategies.history(symbol, query);
  }

  @Get('strategies')
  @Access('client')
  @ApiOperation({ summary: 'Every strategy version, newest version first per name' })
  @ApiOkResponse({ type: [StrategyDto] })
  list(): Promise<StrategyDto[]> {
    return this.strategies.list();
  }

  @Get('strategies/:id')
  @Access('client')
  @ApiOperation({ summary: 'One strategy version (id), or the active version of a name' })
  @ApiOkResponse({ type: StrategyDto })
  get(@Param('id') id: string): Promise<StrategyDto> {
    return this.strategies.get(id);
  }

  @Post('strategies/:id/evaluate')
  @HttpCode(200)
  @Access('client')
  @ApiOperation({
    summary:
      'Dry run: the decision the strategy would take now for a market, without writing a signal',
  })
  @ApiOkResponse({ type: SignalDto })
  evaluate(@Param('id') id: string, @Body() body: EvaluateStrategyDto): Promise<SignalDto> {
    return this.strategies.evaluate(id, body);
  }

  @Post('admin/strategies')
  @Access('admin')
  @ApiOperation({
    summary:
      'Create a strategy (version 1); invalid rules get a 400 naming the rule and the problem',
  })
  @ApiCreatedResponse({ type: StrategyDto })
  create(@Body() body: CreateStrategyDto): Promise<StrategyDto> {
    return this.strategies.create(body);
  }

  @Put('admin/strategies/:id')
  @Access('admin')
  @ApiOperation({
    summary:
      'A new version of the strategy; it becomes the active one (signals keep their version)',
  })
  @ApiOkResponse({ type: StrategyDto })
  update(@Param('id') id: string, @Body() body: UpdateStrategyDto): Promise<StrategyDto> {
    return this.strategies.update(id, body);
  }
}
