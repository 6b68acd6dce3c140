import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import {
  PaperAccountDto,
  PaperEquityPageDto,
  PaperEquityQueryDto,
  PaperPageQueryDto,
  PaperPositionDto,
  PaperTradeDto,
} from './dto/paper.dto';
import { PaperAccountsService } from './paper-accounts.service';

@ApiTags('paper trading')
@Controller('paper-accounts')
@Access('client')
export class PaperAccountsController {
  constructor(private readonly accounts: PaperAccountsService) {}

  @Get()
  @ApiOperation({ summary: 'Paper accounts, oldest first, with their figures' })
  @ApiOkResponse({ type: [PaperAccountDto] })
  list(): Promise<PaperAccountDto[]> {
    return this.accounts.list();
  }

  @Get(':id')
  @ApiOperation({
    summary:
      'One account: equity, return, drawdown, Sharpe, Sortino, exposure, fees and trades, next to buy-and-hold and a backtest over the same candles',
  })
  @ApiOkResponse({ type: PaperAccountDto })
  get(@Param('id') id: string): Promise<PaperAccountDto> {
    return this.accounts.get(id);
  }

  @Get(':id/trades')
  @ApiOperation({ summary: "An account's round trips, in order of exit" })
  @ApiOkResponse({ type: [PaperTradeDto] })
  trades(@Param('id') id: string, @Query() query: PaperPageQueryDto): Promise<PaperTradeDto[]> {
    return this.accounts.trades(id, query);
  }

  @Get(':id/positions')
  @ApiOperation({ summary: "Each market's book: cash, open position, mark price" })
  @ApiOkResponse({ type: [PaperPositionDto] })
  positions(@Param('id') id: string): Promise<PaperPositionDto[]> {
    return this.accounts.positions(id);
  }

  @Get(':id/equity')
  @ApiOperation({
    summary: "The account's equity at each closed candle (every market stepped), a page at a time",
  })
  @ApiOkResponse({ type: PaperEquityPageDto })
  equity(
    @Param('id') id: string,
    @Query() query: PaperEquityQueryDto,
  ): Promise<PaperEquityPageDto> {
    return this.accounts.equity(id, query);
  }
}
