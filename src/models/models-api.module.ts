import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { ModelsController } from './models.controller';
import { ModelsModule } from './models.module';
import { ModelsResolver } from './models.resolver';
import { ModelSearchesController } from './search/model-searches.controller';
import { ModelSearchesResolver } from './search/model-searches.resolver';

@Module({
  imports: [ModelsModule, MarketDataModule],
  controllers: [ModelsController, ModelSearchesController],
  providers: [ModelsResolver, ModelSearchesResolver],
})
export class ModelsApiModule {}
