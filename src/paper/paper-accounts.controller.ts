import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import {
  CreatePaperAccountDto,
  PaperAccountDto,
  PaperEquityPageDto,
  PaperEquityQueryDto,
  PaperPageQueryDto,
  PaperPositionDto,
  PaperTradeDto,
  UpdatePaperAccountDto,
} from './dto/paper.dto';
import { PaperAccountsService } from './paper-accounts.service';

@ApiTags('paper trading')
@Controller()
export class PaperAccountsController {
  constructor(private readonly accounts: PaperAccountsService) {}

  @Post('admin/paper-accounts')
  @Access('admin')
  @ApiOperation({
    summary:
      "Open a paper account following one strategy version's live signals on some markets, filled with the backtest's fill model (idempotent by name)",
  })
  @ApiCreatedResponse({ type: PaperAccountDto })
  create(@Body() body: CreatePaperAccountDto): Promise<PaperAccountDto> {
    return this.accounts.create(body);
  }

  @Patch('admin/paper-accounts/:id')
  @Access('admin')
  @ApiOperation({ summary: 'Pause (decisions ignored, positions and guards kept) or resume' })
  @ApiOkResponse({ type: PaperAccountDto })
  update(@Param('id') id: string, @Body() body: UpdatePaperAccountDto): Promise<PaperAccountDto> {
    return this.accounts.setStatus(id, body.status);
  }

  @Delete('admin/paper-accounts/:id')
  @Access('admin')
  @ApiOperation({
    summary: 'Close an account: open positions sold at their last close, the record kept',
  })
  @ApiOkResponse({ type: PaperAccountDto })
  close(@Param('id') id: string): Promise<PaperAccountDto> {
    return this.accounts.close(id);
  }

  @Get('paper-accounts')
  @Access('client')
  @ApiOperation({ summary: 'Paper accounts, oldest first, with their figures' })
  @ApiOkResponse({ type: [PaperAccountDto] })
  list(): Promise<PaperAccountDto[]> {
    return this.accounts.list();
  }

  @Get('paper-accounts/:id')
  @Access('client')
  @ApiOperation({
    summary:
      'One account: equity, return, drawdown, Sharpe, Sortino, exposure, fees and trades, next to buy-and-hold and a backtest over the same candles',
  })
  @ApiOkResponse({ type: PaperAccountDto })
  get(@Param('id') id: string): Promise<PaperAccountDto> {
    return this.accounts.get(id);
  }

  @Get('paper-accounts/:id/trades')
  @Access('client')
  @ApiOperation({ summary: "An account's round trips, in order of exit" })
  @ApiOkResponse({ type: [PaperTradeDto] })
  trades(@Param('id') id: string, @Query() query: PaperPageQueryDto): Promise<PaperTradeDto[]> {
    return this.accounts.trades(id, query);
  }

  @Get('paper-accounts/:id/positions')
  @Access('client')
  @ApiOperation({ summary: "Each market's book: cash, open position, mark price" })
  @ApiOkResponse({ type: [PaperPositionDto] })
  positions(@Param('id') id: string): Promise<PaperPositionDto[]> {
    return this.accounts.positions(id);
  }

  @Get('paper-accounts/:id/equity')
  @Access('client')
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
