import { Args, Query, Resolver } from '@nestjs/graphql';
import { Access } from '../auth/access.decorator';
import { HeavyRequest, limitOver } from '../common/overload-heavy-requests';
import {
  IndicatorDescriptionDto,
  IndicatorsArgs,
  IndicatorsDto,
  IndicatorsLatestArgs,
  LatestIndicatorsDto,
} from './dto/indicators.dto';
import { IndicatorsService } from './indicators.service';

@Resolver()
export class IndicatorsResolver {
  constructor(private readonly service: IndicatorsService) {}

  @Query(() => [IndicatorDescriptionDto], { description: 'The indicator catalogue' })
  @Access('public-read')
  indicatorCatalogue(): IndicatorDescriptionDto[] {
    return this.service.getCatalogue();
  }

  @Query(() => IndicatorsDto, { description: 'Indicator series aligned with candle times' })
  @Access('public-read')
  @HeavyRequest(limitOver(200))
  indicators(@Args() args: IndicatorsArgs): Promise<IndicatorsDto> {
    const { symbol, ...query } = args;
    return this.service.getIndicators(symbol, query);
  }

  @Query(() => LatestIndicatorsDto, { description: 'Indicator values on the last closed candle' })
  @Access('public-read')
  latestIndicators(@Args() args: IndicatorsLatestArgs): Promise<LatestIndicatorsDto> {
    const { symbol, ...query } = args;
    return this.service.getLatest(symbol, query);
  }
}
