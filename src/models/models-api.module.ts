import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { ModelsController } from './models.controller';
import { ModelsModule } from './models.module';
import { ModelsResolver } from './models.resolver';

@Module({
  imports: [ModelsModule, MarketDataModule],
  controllers: [ModelsController],
  providers: [ModelsResolver],
})
export class ModelsApiModule {}
