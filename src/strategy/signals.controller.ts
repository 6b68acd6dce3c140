import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { CachedRead } from '../common/cached-read.interceptor';
import { OperationIdPrefix } from '../common/openapi-errors';
import { SignalDto, SignalHistoryQueryDto, SignalsQueryDto } from './dto/strategy.dto';
import { StrategiesService } from './strategies.service';

@ApiTags('strategies and signals')
@OperationIdPrefix('Strategies')
@Controller('signals')
@Access('public-read')
export class SignalsController {
  constructor(private readonly strategies: StrategiesService) {}

  @Get(':symbol')
  @CachedRead({ until: 'next-close' })
  @ApiOperation({
    summary:
      'The latest decision (BUY, SELL or HOLD) of each active strategy for a market, with its reasons',
  })
  @ApiOkResponse({ type: [SignalDto] })
  latest(@Param('symbol') symbol: string, @Query() query: SignalsQueryDto): Promise<SignalDto[]> {
    return this.strategies.latest(symbol, query);
  }

  @Get(':symbol/history')
  @ApiOperation({ summary: 'Past decisions for a market, newest first' })
  @ApiOkResponse({ type: [SignalDto] })
  history(
    @Param('symbol') symbol: string,
    @Query() query: SignalHistoryQueryDto,
  ): Promise<SignalDto[]> {
    return this.strategies.history(symbol, query);
  }
}
