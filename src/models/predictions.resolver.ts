import { Args, Query, Resolver } from '@nestjs/graphql';
import { Access } from '../auth/access.decorator';
import { PredictArgs, PredictionDto } from './dto/models.dto';
import { ModelsService } from './models.service';

@Resolver()
export class PredictionsResolver {
  constructor(private readonly service: ModelsService) {}

  @Query(() => PredictionDto, { description: 'The latest prediction of the production model' })
  @Access('public-read')
  prediction(@Args() args: PredictArgs): Promise<PredictionDto> {
    return this.service.prediction(args.symbol, args.interval);
  }
}
