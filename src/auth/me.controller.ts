import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OperationIdPrefix } from '../common/openapi-errors';
import { Access } from './access.decorator';
import { CurrentPrincipal } from './current-principal.decorator';
import { MeDto } from './dto/api-key.dto';
import type { Principal } from './principal';

@ApiTags('auth')
@OperationIdPrefix('ApiKeys')
@Controller('me')
export class MeController {
  @Get()
  @Access('client')
  @ApiOperation({ summary: 'The API key this request authenticated with' })
  @ApiOkResponse({ type: MeDto })
  me(@CurrentPrincipal() principal: Principal): MeDto {
    return principal;
  }
}
