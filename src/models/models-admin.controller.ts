import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { OperationIdPrefix } from '../common/openapi-errors';
import { HeavyRequest } from '../common/overload-heavy-requests';
import { EnqueuedJobDto } from '../queue/dto/job.dto';
import { ModelDto, TrainModelDto, TrainingCancelDto } from './dto/models.dto';
import { ModelsService } from './models.service';

@ApiTags('models')
@OperationIdPrefix('Models')
@Controller('admin/models')
@Access('admin')
export class ModelsAdminController {
  constructor(private readonly models: ModelsService) {}

  @Post('train')
  @HeavyRequest()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Train a model for a market in the background; follow GET /jobs/{jobId}',
  })
  @ApiAcceptedResponse({ type: EnqueuedJobDto })
  train(@Body() body: TrainModelDto): Promise<EnqueuedJobDto> {
    return this.models.train(body);
  }

  @Post('train/:jobId/cancel')
  @HttpCode(202)
  @ApiOperation({ summary: 'Cancel a training job (a running one stops after its current batch)' })
  @ApiAcceptedResponse({ type: TrainingCancelDto })
  cancel(@Param('jobId') jobId: string): Promise<{ jobId: string; state: string }> {
    return this.models.cancelTraining(jobId);
  }

  @Post(':id/promote')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Make a candidate, or an earlier retired version (rollback), the production model',
  })
  @ApiOkResponse({ type: ModelDto })
  promote(@Param('id') id: string): Promise<ModelDto> {
    return this.models.promote(id);
  }

  @Post(':id/retire')
  @HttpCode(200)
  @ApiOperation({ summary: 'Retire a model version (a retired production model stops serving)' })
  @ApiOkResponse({ type: ModelDto })
  retire(@Param('id') id: string): Promise<ModelDto> {
    return this.models.retire(id);
  }
}
