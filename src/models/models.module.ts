import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { PredictionCache } from './live/prediction.cache';
import { ModelVersionsRepository } from './model-versions.repository';
import { PredictionsRepository } from './predictions.repository';
import { TensorFlowProvider } from './tensorflow.provider';

/** The model registry, predictions and their cache; shared by every role. */
@Module({
  imports: [MarketDataModule],
  providers: [ModelVersionsRepository, PredictionsRepository, PredictionCache, TensorFlowProvider],
  exports: [ModelVersionsRepository, PredictionsRepository, PredictionCache, TensorFlowProvider],
})
export class ModelsModule {}
