import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import type { MarketKey } from '../../market-data/candle';
import { featureMarkets } from '../engine/feature-spec';
import { loadModel } from '../engine/model-artifact';
import { disposeModel, type TrainedModel } from '../engine/trained-model';
import type { ModelVersionMetrics } from '../model-version.entity';
import { ModelVersionsRepository } from '../model-versions.repository';
import { ProductionVersions } from '../production-versions';
import { TensorFlowProvider } from '../tensorflow.provider';
import { LiveMarkets } from './live-markets';
import { ModelCache, type ModelCacheStats } from './model-cache';

/**
 * What the live path keeps of a market's production model while its weights may be evicted from
 * the model cache: enough to know which markets it reads and whether it serves at all.
 */
export interface ProductionModel {
  versionId: string;
  /** The sentiment series the model was trained on, if any. */
  sentimentSource?: string;
  /** Other markets (base assets) whose candles the model reads; known once it was loaded. */
  otherMarkets: string[];
  /** Whether the model has forecast calibration; known once it was loaded. */
  calibrated?: boolean;
  trainedAt: number | null;
  metrics: ModelVersionMetrics | null;
}

/** A production model whose artifact row is missing: the baseline is served instead. */
export class MissingArtifactError extends Error {}

/**
 * Each market's production model as the live path serves it. Models are loaded from PostgreSQL
 * into a cache of at most `MODEL_CACHE_MAX_MODELS`: beyond it the least recently used one is
 * disposed and loaded again on its market's next prediction, so memory stays bounded however
 * many markets the worker follows.
 */
@Injectable()
export class ProductionModels implements OnModuleDestroy {
  private readonly logger = new Logger(ProductionModels.name);
  private readonly models: ModelCache<TrainedModel>;

  constructor(
    config: AppConfig,
    private readonly versions: ModelVersionsRepository,
    private readonly productionVersions: ProductionVersions,
    private readonly tensorflow: TensorFlowProvider,
    private readonly markets: LiveMarkets,
  ) {
    this.models = new ModelCache<TrainedModel>({
      maxModels: config.get('MODEL_CACHE_MAX_MODELS'),
      dispose: disposeModel,
      onEvict: (versionId) =>
        this.logger.debug(
          `Unloaded model ${versionId}, the least recently used beyond MODEL_CACHE_MAX_MODELS=${config.get('MODEL_CACHE_MAX_MODELS')}; it is loaded again on its next prediction`,
        ),
    });
  }

  /** Loaded production models, their weights' bytes, loads and evictions (for `/metrics`). */
  stats(): ModelCacheStats {
    return this.models.stats();
  }

  onModuleDestroy(): void {
    this.models.clear();
  }

  /**
   * The market's production model now, or undefined when it has none (retired, or never
   * promoted). A version that was replaced or retired is unloaded: it is never served again.
   */
  async current(market: MarketKey, symbol: string): Promise<ProductionModel | undefined> {
    const production = await this.productionVersions.of(market);
    const state = this.markets.state(market, symbol);
    if (state.production && state.production.versionId !== production?.id) {
      this.models.drop(state.production.versionId);
      state.production = undefined;
    }
    if (!production) {
      return undefined;
    }
    state.production ??= {
      versionId: production.id,
      trainedAt: production.trainedAt?.getTime() ?? null,
      metrics: production.metrics,
      sentimentSource:
        typeof production.params.sentimentSource === 'string'
          ? production.params.sentimentSource
          : undefined,
      otherMarkets: [],
    };
    return state.production;
  }

  /**
   * Runs `work` with the model's weights, loaded first unless the cache holds them. Throws
   * `MissingArtifactError` when the model has no artifact to load.
   */
  use<R>(
    market: MarketKey,
    served: ProductionModel,
    work: (trained: TrainedModel) => Promise<R>,
  ): Promise<R> {
    return this.models.use(served.versionId, () => this.load(market, served), work);
  }

  /** Unloads a model that does not serve (uncalibrated). */
  drop(served: ProductionModel): void {
    this.models.drop(served.versionId);
  }

  /** Another worker owns the market: the model it served here must not stay loaded. */
  forget(market: Pick<MarketKey, 'symbol' | 'interval'>): void {
    const state = this.markets.find(market);
    if (state?.production) {
      this.models.drop(state.production.versionId);
      state.production = undefined;
    }
  }

  /** Loads a production model's artifact from PostgreSQL (first use, or again after an eviction). */
  private async load(
    market: MarketKey,
    served: ProductionModel,
  ): Promise<{ value: TrainedModel; weightBytes: number }> {
    const artifact = await this.versions.artifact(served.versionId);
    if (!artifact) {
      throw new MissingArtifactError(
        `Production model ${served.versionId} for ${market.symbol} ${market.interval} has no artifact; the baseline is served`,
      );
    }
    const { tf } = await this.tensorflow.get();
    const trained = await loadModel(tf, artifact);
    const reload = served.calibrated !== undefined;
    served.otherMarkets = featureMarkets(trained.features);
    served.calibrated = trained.calibration !== undefined;
    if (reload) {
      this.logger.debug(
        `Loaded model ${served.versionId} for ${market.symbol} ${market.interval} again after it was unloaded`,
      );
    } else {
      this.logger.log(
        `Loaded production model ${served.versionId} (${trained.kind}) for ${market.symbol} ${market.interval}`,
      );
    }
    if (!trained.calibration) {
      this.logger.warn(
        `Production model ${served.versionId} for ${market.symbol} ${market.interval} was trained before forecasts were calibrated; the baseline is served until a model trained since is promoted`,
      );
    }
    return { value: trained, weightBytes: artifact.weightData.byteLength };
  }
}
