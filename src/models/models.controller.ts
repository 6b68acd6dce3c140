import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../auth/access.decorator';
import { ModelDto, ModelsQueryDto } from './dto/models.dto';
import { ModelsService } from './models.service';

@ApiTags('models')
@Controller('models')
@Access('client')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  @Get()
  @ApiOperation({ summary: 'Model versions, newest first' })
  @ApiOkResponse({ type: [ModelDto] })
  list(@Query() query: ModelsQueryDto): Promise<ModelDto[]> {
    return this.models.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One model version with its parameters, data range and evaluation' })
  @ApiOkResponse({ type: ModelDto })
  get(@Param('id') id: string): Promise<ModelDto> {
    return this.models.get(id);
  }
}
