import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { OperationIdPrefix } from '../common/openapi-errors';
import { EnqueuedJobDto } from '../queue/dto/job.dto';
import { CandlesService } from './candles.service';
import { BackfillDto } from './dto/candles.dto';

@ApiTags('market data')
@OperationIdPrefix('Candles')
@Controller('admin/backfill')
@Access('admin')
export class BackfillAdminController {
  constructor(private readonly candles: CandlesService) {}

  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Backfill one market and range from the exchange, in the background; follow the job with GET /jobs/{jobId}',
  })
  @ApiAcceptedResponse({ type: EnqueuedJobDto })
  backfill(@Body() body: BackfillDto): Promise<EnqueuedJobDto> {
    return this.candles.requestBackfill(body);
  }
}
