import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { ModelsController } from './models.controller';
import { ModelsModule } from './models.module';
import { ModelsResolver } from './models.resolver';
import { ModelsService } from './models.service';

@Module({
  imports: [ModelsModule, MarketDataModule],
  controllers: [ModelsController],
  providers: [ModelsService, ModelsResolver],
})
export class ModelsApiModule {}
