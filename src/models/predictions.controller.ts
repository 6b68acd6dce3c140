import { Controller, Get, Header, Param, Query } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { CachedRead } from '../common/cached-read.interceptor';
import { OperationIdPrefix } from '../common/openapi-errors';
import { PredictQueryDto, PredictionDto } from './dto/models.dto';
import { ModelsService } from './models.service';

@ApiTags('models')
@OperationIdPrefix('Models')
@Controller('predict')
export class PredictionsController {
  constructor(private readonly models: ModelsService) {}

  @Get(':symbol')
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
}
