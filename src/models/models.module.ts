import { Module } from '@nestjs/common';
import { ML_BACKEND } from '../health/ml-backend.port';
import { MarketDataModule } from '../market-data/market-data.module';
import { SentimentModule } from '../sentiment/sentiment.module';
import { ModelInputs } from './model-inputs';
import { ModelSentiment } from './model-sentiment';
import { PredictionCache } from './live/prediction.cache';
import { ModelVersionsRepository } from './model-versions.repository';
import { ModelsService } from './models.service';
import { PredictionsRepository } from './predictions.repository';
import { ModelSearchService } from './search/model-search.service';
import { ModelSearchesRepository } from './search/model-searches.repository';
import { TensorFlowProvider } from './tensorflow.provider';
import { ProductionVersions } from './production-versions';

/** The model registry, predictions and their cache; shared by every role. */
@Module({
  imports: [MarketDataModule, SentimentModule],
  providers: [
    ModelVersionsRepository,
    ProductionVersions,
    PredictionsRepository,
    PredictionCache,
    TensorFlowProvider,
    { provide: ML_BACKEND, useExisting: TensorFlowProvider },
    ModelsService,
    ModelSearchesRepository,
    ModelSearchService,
    ModelSentiment,
    ModelInputs,
  ],
  exports: [
    ModelVersionsRepository,
    ProductionVersions,
    PredictionsRepository,
    PredictionCache,
    TensorFlowProvider,
    ML_BACKEND,
    ModelsService,
    ModelSearchesRepository,
    ModelSearchService,
    ModelInputs,
  ],
})
export class ModelsModule {}
