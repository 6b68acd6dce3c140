import { Module } from '@nestjs/common';
import { MarketDataModule } from '../market-data/market-data.module';
import { RetrainModelsProcessor } from './jobs/retrain-models.processor';
import { TrainModelProcessor } from './jobs/train-model.processor';
import { BackfillForecasts } from './live/backfill-forecasts';
import { BaselineForecaster } from './live/baseline-forecaster';
import { ForecastCatchUp } from './live/forecast-catch-up';
import { LiveForecaster } from './live/live-forecaster';
import { LiveMarkets } from './live/live-markets';
import { LivePredictionsService } from './live/live-predictions.service';
import { LiveStateReporter } from './live/live-state.reporter';
import { ProductionModels } from './live/production-models';
import { TrainingChecks } from './live/training-checks';
import { ModelsModule } from './models.module';
import { TrainingService } from './training.service';
import { FinishSearchProcessor } from './search/jobs/finish-search.processor';
import { SearchTrialProcessor } from './search/jobs/search-trial.processor';
import { SearchRunner } from './search/search.runner';

/** The worker side of models: training jobs and live predictions. */
@Module({
  imports: [ModelsModule, MarketDataModule],
  providers: [
    TrainingService,
    TrainModelProcessor,
    RetrainModelsProcessor,
    LiveMarkets,
    ProductionModels,
    BaselineForecaster,
    LiveForecaster,
    ForecastCatchUp,
    BackfillForecasts,
    TrainingChecks,
    LivePredictionsService,
    LiveStateReporter,
    SearchRunner,
    SearchTrialProcessor,
    FinishSearchProcessor,
  ],
  exports: [TrainingService, ForecastCatchUp],
})
export class ModelsWorkerModule {}
