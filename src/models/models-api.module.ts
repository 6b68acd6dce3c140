import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { ModelsAdminController } from './models-admin.controller';
import { ModelsController } from './models.controller';
import { ModelsModule } from './models.module';
import { ModelsResolver } from './models.resolver';
import { PredictionsController } from './predictions.controller';
import { PredictionsResolver } from './predictions.resolver';
import { ModelSearchesAdminController } from './search/model-searches-admin.controller';
import { ModelSearchesController } from './search/model-searches.controller';
import { ModelSearchesResolver } from './search/model-searches.resolver';

@Module({
  imports: [ModelsModule, MarketDataModule],
  controllers: [
    PredictionsController,
    ModelsController,
    ModelsAdminController,
    ModelSearchesController,
    ModelSearchesAdminController,
  ],
  providers: [PredictionsResolver, ModelsResolver, ModelSearchesResolver],
})
export class ModelsApiModule {}
