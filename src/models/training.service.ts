import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { Candle, MarketKey } from '../market-data/candle';
import { CandlesRepository } from '../market-data/candles.repository';
import { MarketCatalogue, intervalMs } from '../market-data/market-catalogue';
import { RedisService } from '../redis/redis.service';
import type { TrainModelResult } from '../queue/queue.catalogue';
import { buildDataset, type Sample } from './engine/dataset';
import { significance, type SignificanceResult } from './engine/forecast-scoring';
import { ModelInputs } from './model-inputs';
import { loadModel, saveModel } from './engine/model-artifact';
import { resolveModelParams } from './engine/model-params';
import type { EpochProgress } from './engine/model-training';
import { disposeModel, predictBatch, type TrainedModel } from './engine/trained-model';
import { DEFAULT_MODEL_KIND, type ModelKind } from './engine/model-kind';
import { closeErrors, runTraining, type TrainingOutcome } from './engine/training-pipeline';
import { MODEL_PROMOTED, type ModelPromotedEvent } from './model-events';
import type { ModelVersionMetrics } from './model-version.entity';
import { ModelVersionsRepository } from './model-versions.repository';
import { TensorFlowProvider } from './tensorflow.provider';
import { readTrainingCandles } from './training-window';

/** A candidate must beat persistence and production with a Diebold-Mariano p-value below this. */
const PROMOTION_P_VALUE = 0.05;

/** Lower loss and significant. */
function passes(test: SignificanceResult): boolean {
  return test.meanLossDifference < 0 && test.pValue < PROMOTION_P_VALUE;
}

export type TrainingProgress = EpochProgress & { stage: string; percent: number };

/**
 * One training run: candles from PostgreSQL -> features -> chronological split -> a model of the
 * kind asked for (lstm, gru or linear) -> the evaluation of model and baselines on the same test
 * candles -> a registered candidate (artifact and status in one transaction) -> promotion when it
 * beats persistence and the production model on MAE over the same test window.
 */
@Injectable()
export class TrainingService {
  private readonly logger = new Logger(TrainingService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly catalogue: MarketCatalogue,
    private readonly candles: CandlesRepository,
    private readonly versions: ModelVersionsRepository,
    private readonly tensorflow: TensorFlowProvider,
    private readonly redis: RedisService,
    private readonly inputs: ModelInputs,
  ) {}

  marketOf(symbol: string, interval: string): MarketKey {
    return { exchange: this.catalogue.exchange, symbol: this.catalogue.pair(symbol), interval };
  }

  async train(params: {
    symbol: string;
    interval: string;
    /** Default lstm. */
    kind?: ModelKind;
    /**
     * Inputs per candle (default: DEFAULT_FEATURES), any of the feature grammar (see
     * feature-spec.ts); sentiment joins where a series covers. Bad ones: FeatureListError.
     */
    features?: readonly string[];
    params?: Record<string, number>;
    jobId: string;
    onProgress?: (progress: TrainingProgress) => Promise<void>;
    shouldStop?: () => boolean;
    /** Awaited between batches: the live path's turn (HotPath.idle in workers). */
    pause?: () => Promise<void>;
  }): Promise<TrainModelResult> {
    const modelParams = resolveModelParams(params.params);
    const kind = params.kind ?? DEFAULT_MODEL_KIND;
    const market = this.marketOf(params.symbol, params.interval);
    const chosen = this.inputs.resolveFeatures(params.symbol, params.features);
    const candles = await readTrainingCandles({
      candles: this.candles,
      config: this.config,
      market,
    });
    // Sentiment joins the inputs when a series covers the training candles (see ModelSentiment).
    const { features, sentiment, markets } = await this.inputs.gather({
      symbol: params.symbol,
      interval: market.interval,
      candles,
      features: chosen,
      sentiment: 'join',
    });
    const version = await this.versions.startTraining({
      market,
      kind,
      params: { ...modelParams, ...(sentiment ? { sentimentSource: sentiment.source } : {}) },
      features,
      jobId: params.jobId,
    });
    const started = Date.now();
    try {
      const { tf, backend } = await this.tensorflow.get();
      this.logger.log(
        `Training ${kind} model ${version.id} for ${market.symbol} ${market.interval} on ${candles.length} candles (${backend} backend)`,
      );
      const outcome = await runTraining({
        tf,
        candles,
        intervalMs: intervalMs(market.interval),
        features,
        sentiment: sentiment?.values,
        markets,
        params: modelParams,
        kind,
        horizons: this.config.forecastHorizons(market.interval, params.symbol),
        walkForwardFolds: 3,
        walkForwardEpochs: 3,
        shouldStop: params.shouldStop,
        pause: params.pause,
        onEpoch: async (progress) =>
          params.onProgress?.({
            ...progress,
            percent: this.percent(progress.stage, progress.epoch, progress.epochs),
          }),
      });
      try {
        const artifact = await saveModel(tf, outcome.trained);
        const metrics = this.metrics(outcome, (Date.now() - started) / 1000);
        await this.versions.complete({
          id: version.id,
          artifact,
          metrics,
          backend,
          dataFrom: new Date(outcome.dataFrom),
          dataTo: new Date(outcome.dataTo),
        });
        const promotion = await this.decidePromotion(market, version.id, outcome, candles);
        this.logger.log(
          `Model ${version.id} for ${market.symbol} ${market.interval}: ${promotion.reason}`,
        );
        return {
          modelVersionId: version.id,
          status: promotion.promoted ? 'production' : 'candidate',
          promotion: promotion.reason,
          testMae: outcome.evaluation.model.mae,
          persistenceMae: outcome.evaluation.persistence.mae,
          pValue: outcome.evaluation.versusPersistence.pValue,
          epochs: outcome.trained.epochsRun,
          samples: outcome.samples,
          backend,
        };
      } finally {
        disposeModel(outcome.trained);
      }
    } catch (error) {
      await this.versions.fail(version.id, (error as Error).message);
      throw error;
    }
  }

  private percent(stage: string, epoch: number, epochs: number): number {
    // The main training is ~70% of the work; three short walk-forward folds the rest.
    const fold = /fold (\d+)\/(\d+)/.exec(stage);
    if (!fold) {
      return Math.round((epoch / epochs) * 70);
    }
    const index = Number(fold[1]) - 1;
    const folds = Number(fold[2]);
    return Math.round(70 + ((index + epoch / epochs) / folds) * 30);
  }

  private metrics(outcome: TrainingOutcome, trainingSeconds: number): ModelVersionMetrics {
    return {
      split: { trainFraction: 0.8, ...outcome.evaluation },
      forecast: outcome.forecast,
      calibration: outcome.trained.calibration,
      walkForward: outcome.walkForward,
      samples: outcome.samples,
      trainSamples: outcome.trainSamples,
      epochsRun: outcome.trained.epochsRun,
      residualStd: outcome.trained.residualStd,
      trainingSeconds,
    };
  }

  /**
   * Production when the new model's served point forecast beats persistence and the current
   * production model with significance: a Diebold-Mariano test on the absolute close errors over
   * the same test candles (Newey-West variance for overlapping horizons), lower MAE and p < 0.05.
   */
  private async decidePromotion(
    market: MarketKey,
    versionId: string,
    outcome: TrainingOutcome,
    candles: readonly Candle[],
  ): Promise<{ promoted: boolean; reason: string }> {
    const { model, persistence, versusPersistence } = outcome.evaluation;
    if (!passes(versusPersistence)) {
      return {
        promoted: false,
        reason: `stays a candidate: test MAE ${model.mae.toFixed(6)} against persistence's ${persistence.mae.toFixed(6)}, Diebold-Mariano p = ${versusPersistence.pValue.toPrecision(3)}: does not beat persistence with significance (lower MAE and p < ${PROMOTION_P_VALUE})`,
      };
    }
    const production = await this.versions.production(market);
    if (production) {
      const compared = await this.compareOnSameCandles({
        market,
        productionId: production.id,
        candidateId: versionId,
        outcome,
        candles,
      });
      if (compared) {
        await this.versions.addVersusProduction(versionId, {
          productionId: production.id,
          mae: compared.candidate,
          productionMae: compared.production,
          ...compared.test,
        });
      }
      if (compared && !passes(compared.test)) {
        return {
          promoted: false,
          reason: `stays a candidate: MAE ${compared.candidate.toFixed(6)} against production model ${production.id}'s ${compared.production.toFixed(6)} on the same ${compared.test.count} test candles, Diebold-Mariano p = ${compared.test.pValue.toPrecision(3)}: does not beat production with significance`,
        };
      }
    }
    await this.versions.promote(versionId);
    const event: ModelPromotedEvent = { ...market, modelVersionId: versionId };
    await this.redis.publish(MODEL_PROMOTED, JSON.stringify(event));
    return {
      promoted: true,
      reason: `promoted to production: test MAE ${model.mae.toFixed(6)} beats persistence's ${persistence.mae.toFixed(6)} (Diebold-Mariano p = ${versusPersistence.pValue.toPrecision(3)})${production ? ` and production model ${production.id}` : ''}`,
    };
  }

  /**
   * The new model's and the production model's served point forecasts on exactly the same
   * candles (the test windows both can predict at: their lookbacks and sentiment coverage may
   * differ), compared by a Diebold-Mariano test; undefined when they share none or predict
   * different horizons.
   */
  private async compareOnSameCandles(params: {
    market: MarketKey;
    productionId: string;
    candidateId: string;
    outcome: TrainingOutcome;
    candles: readonly Candle[];
  }): Promise<{ candidate: number; production: number; test: SignificanceResult } | undefined> {
    const { outcome, candles, market } = params;
    const artifact = await this.versions.artifact(params.productionId);
    const { testFrom, testTo } = outcome.evaluation;
    if (!artifact || testFrom === null || testTo === null) {
      return undefined;
    }
    const { tf } = await this.tensorflow.get();
    const stored = await loadModel(tf, artifact);
    try {
      if (stored.params.horizon !== outcome.trained.params.horizon) {
        return undefined;
      }
      const window = { market, candles, testFrom, testTo };
      const [production, candidate] = await Promise.all([
        this.errorsOnWindow({ ...window, trained: stored, versionId: params.productionId }),
        this.errorsOnWindow({ ...window, trained: outcome.trained, versionId: params.candidateId }),
      ]);
      const shared = [...candidate.keys()].filter((openTime) => production.has(openTime));
      if (shared.length < 2) {
        return undefined;
      }
      const errorsOf = (predicted: Map<number, { sample: Sample; predicted: number }>) => {
        const rows = shared.map((openTime) => predicted.get(openTime)!);
        return closeErrors(
          rows.map((row) => row.sample),
          rows.map((row) => row.predicted),
        );
      };
      const candidateErrors = errorsOf(candidate);
      const productionErrors = errorsOf(production);
      const mae = (errors: number[]) => errors.reduce((a, e) => a + Math.abs(e), 0) / errors.length;
      return {
        candidate: mae(candidateErrors),
        production: mae(productionErrors),
        test: significance(candidateErrors, productionErrors, outcome.trained.params.horizon),
      };
    } finally {
      disposeModel(stored);
    }
  }

  /** A model's predicted return at each test window it can predict at, by open time. */
  private async errorsOnWindow(params: {
    market: MarketKey;
    trained: TrainedModel;
    versionId: string;
    candles: readonly Candle[];
    testFrom: number;
    testTo: number;
  }): Promise<Map<number, { sample: Sample; predicted: number }>> {
    const { trained, market } = params;
    const { tf } = await this.tensorflow.get();
    const source = (await this.versions.find(params.versionId))?.params.sentimentSource;
    const inputs = await this.inputs.gather({
      symbol: this.catalogue.baseOf(market.symbol),
      interval: market.interval,
      candles: params.candles,
      features: trained.features,
      sentiment: { source: typeof source === 'string' ? source : undefined },
    });
    const dataset = buildDataset({
      candles: inputs.candles,
      intervalMs: intervalMs(market.interval),
      features: trained.features,
      lookback: trained.params.lookback,
      horizon: trained.params.horizon,
      sentiment: inputs.sentiment?.values,
      markets: inputs.markets,
    });
    const test = dataset.samples.filter(
      (sample) => sample.openTime >= params.testFrom && sample.openTime <= params.testTo,
    );
    // The served point forecast: the model's output times its shrinkage (1 for a model stored
    // before forecasts were calibrated).
    const shrinkage =
      trained.calibration?.horizons.find((h) => h.horizon === trained.params.horizon)?.shrinkage ??
      1;
    const predicted = test.length
      ? predictBatch(tf, trained, dataset, test).map((r) => r * shrinkage)
      : [];
    return new Map(
      test.map((sample, i) => [sample.openTime, { sample, predicted: predicted[i] ?? 0 }]),
    );
  }
}
