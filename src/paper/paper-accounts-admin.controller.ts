import { Body, Controller, Delete, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { OperationIdPrefix } from '../common/openapi-errors';
import { CreatePaperAccountDto, PaperAccountDto, UpdatePaperAccountDto } from './dto/paper.dto';
import { PaperAccountsService } from './paper-accounts.service';

@ApiTags('paper trading')
@OperationIdPrefix('PaperAccounts')
@Controller('admin/paper-accounts')
@Access('admin')
export class PaperAccountsAdminController {
  constructor(private readonly accounts: PaperAccountsService) {}

  @Post()
  @ApiOperation({
    summary:
      "Open a paper account following one strategy version's live signals on some markets, filled with the backtest's fill model (idempotent by name)",
  })
  @ApiCreatedResponse({ type: PaperAccountDto })
  create(@Body() body: CreatePaperAccountDto): Promise<PaperAccountDto> {
    return this.accounts.create(body);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Pause (decisions ignored, positions and guards kept) or resume' })
  @ApiOkResponse({ type: PaperAccountDto })
  update(@Param('id') id: string, @Body() body: UpdatePaperAccountDto): Promise<PaperAccountDto> {
    return this.accounts.setStatus(id, body.status);
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Close an account: open positions sold at their last close, the record kept',
  })
  @ApiOkResponse({ type: PaperAccountDto })
  close(@Param('id') id: string): Promise<PaperAccountDto> {
    return this.accounts.close(id);
  }
}
