import { Body, Controller, Get, Header, HttpCode, Param, Post, Query } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { CachedRead } from '../common/cached-read.interceptor';
import { HeavyRequest } from '../common/overload-heavy-requests';
import { EnqueuedJobDto } from '../queue/dto/job.dto';
import {
  ModelDto,
  ModelsQueryDto,
  PredictQueryDto,
  PredictionDto,
  TrainModelDto,
  TrainingCancelDto,
} from './dto/models.dto';
import { ModelsService } from './models.service';

@ApiTags('models')
@Controller()
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Get('predict/:symbol')
  @Access('public-read')
  @CachedRead({ until: 'next-close' })
  @ApiOperation({
    summary:
      'The latest prediction of the production model (from the cache, never computed in the request), with how good the model is next to persistence',
  })
  @ApiOkResponse({ type: PredictionDto })
  @ApiServiceUnavailableResponse({
    description:
      'No production model yet; the message says why (training progress, not enough data)',
  })
  // The body is a PredictionDto, serialized once per prediction by the service.
  @Header('content-type', 'application/json; charset=utf-8')
  predict(@Param('symbol') symbol: string, @Query() query: PredictQueryDto): Promise<string> {
    return this.models.predictionJson(symbol, query.interval);
  }

  @Get('models')
  @Access('client')
  @ApiOperation({ summary: 'Model versions, newest first' })
  @ApiOkResponse({ type: [ModelDto] })
  list(@Query() query: ModelsQueryDto): Promise<ModelDto[]> {
    return this.models.list(query);
  }

  @Get('models/:id')
  @Access('client')
  @ApiOperation({ summary: 'One model version with its parameters, data range and evaluation' })
  @ApiOkResponse({ type: ModelDto })
  get(@Param('id') id: string): Promise<ModelDto> {
    return this.models.get(id);
  }

  @Post('admin/models/train')
  @HeavyRequest()
  @HttpCode(202)
  @Access('admin')
  @ApiOperation({
    summary: 'Train a model for a market in the background; follow GET /jobs/{jobId}',
  })
  @ApiAcceptedResponse({ type: EnqueuedJobDto })
  train(@Body() body: TrainModelDto): Promise<EnqueuedJobDto> {
    return this.models.train(body);
  }

  @Post('admin/models/train/:jobId/cancel')
  @HttpCode(202)
  @Access('admin')
  @ApiOperation({ summary: 'Cancel a training job (a running one stops after its current batch)' })
  @ApiAcceptedResponse({ type: TrainingCancelDto })
  cancel(@Param('jobId') jobId: string): Promise<{ jobId: string; state: string }> {
    return this.models.cancelTraining(jobId);
  }

  @Post('admin/models/:id/promote')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({
    summary: 'Make a candidate, or an earlier retired version (rollback), the production model',
  })
  @ApiOkResponse({ type: ModelDto })
  promote(@Param('id') id: string): Promise<ModelDto> {
    return this.models.promote(id);
  }

  @Post('admin/models/:id/retire')
  @HttpCode(200)
  @Access('admin')
  @ApiOperation({ summary: 'Retire a model version (a retired production model stops serving)' })
  @ApiOkResponse({ type: ModelDto })
  retire(@Param('id') id: string): Promise<ModelDto> {
    return this.models.retire(id);
  }
}
