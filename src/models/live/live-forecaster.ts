import { Injectable, Logger } from '@nestjs/common';
import type { MarketKey } from '../../market-data/candle';
import { CandleWindowCache } from '../../market-data/candle-window.cache';
import { CandlesRepository } from '../../market-data/candles.repository';
import { intervalMs } from '../../market-data/market-catalogue';
import { predictLatest, predictionWindow } from '../engine/latest-forecast';
import { ModelInputs } from '../model-inputs';
import { PredictionsRepository } from '../predictions.repository';
import { TensorFlowProvider } from '../tensorflow.provider';
import { BaselineForecaster } from './baseline-forecaster';
import { cachedForecast } from './cached-forecast';
import { PredictionCache } from './prediction.cache';
import { MissingArtifactError, ProductionModels } from './production-models';

/**
 * A market's forecast at a candle: its production model's, stored once per version and candle,
 * cached for `/predict` and published as `prediction.updated`; the baseline's when the market has
 * no model that serves. Callers run it in the market's queue (`LiveMarkets.enqueue`).
 */
@Injectable()
export class LiveForecaster {
  private readonly logger = new Logger(LiveForecaster.name);

  constructor(
    private readonly candles: CandlesRepository,
    private readonly recent: CandleWindowCache,
    private readonly predictions: PredictionsRepository,
    private readonly cache: PredictionCache,
    private readonly tensorflow: TensorFlowProvider,
    private readonly inputs: ModelInputs,
    private readonly production: ProductionModels,
    private readonly baseline: BaselineForecaster,
  ) {}

  /** Predicts at the newest stored candle (at start, after a promotion, after a backfill). */
  async refresh(market: MarketKey, symbol: string, force = true): Promise<void> {
    const last = await this.candles.lastOpenTime(market);
    if (last !== undefined) {
      await this.predict({ market, symbol, openTime: last, force });
    }
  }

  /**
   * The forecast at `openTime`, stored once per version and candle, then cached and published
   * unless `publish` is false. `force` publishes even when another worker stored it first;
   * `realised` is the write of realised errors that live accuracy waits for.
   */
  async predict(params: {
    market: MarketKey;
    symbol: string;
    openTime: number;
    force?: boolean;
    realised?: Promise<unknown>;
    publish?: boolean;
  }): Promise<void> {
    const { market, symbol, openTime } = params;
    const force = params.force ?? false;
    const realised = params.realised ?? Promise.resolve();
    const publish = params.publish ?? true;
    // The baseline is served, never stored: a catch-up that only stores has nothing to do with it.
    const baseline = () =>
      publish ? this.baseline.forecast({ market, symbol, openTime, force }) : Promise.resolve();
    const served = await this.production.current(market, symbol);
    if (!served) {
      // Retired (or never promoted): nothing may be served from an old model.
      await baseline();
      return;
    }
    if (served.calibrated === false) {
      await baseline();
      return;
    }
    const step = intervalMs(market.interval);
    let predicted:
      { forecast: ReturnType<typeof predictLatest>; nativeHorizon: number } | undefined;
    try {
      predicted = await this.production.use(market, served, async (trained) => {
        if (!trained.calibration) {
          return undefined;
        }
        const { tf } = await this.tensorflow.get();
        const inputs = await this.inputs.gather({
          symbol,
          interval: market.interval,
          candles: await this.recent.newest(market, {
            count: predictionWindow(trained, step),
            to: openTime,
          }),
          features: trained.features,
          sentiment: { source: served.sentimentSource },
        });
        const forecast = predictLatest({
          tf,
          trained,
          candles: inputs.candles,
          intervalMs: step,
          sentiment: inputs.sentiment?.values,
          markets: inputs.markets,
        });
        return { forecast, nativeHorizon: trained.params.horizon };
      });
    } catch (error) {
      if (!(error instanceof MissingArtifactError)) {
        throw error;
      }
      this.logger.error(error.message);
      await baseline();
      return;
    }
    if (!predicted) {
      // Uncalibrated: it never serves, so it need not stay loaded.
      this.production.drop(served);
      await baseline();
      return;
    }
    const { forecast, nativeHorizon } = predicted;
    if (!forecast || forecast.openTime !== openTime) {
      return; // A gap in the window: no honest prediction at this candle.
    }
    const native =
      forecast.horizons.find((h) => h.horizon === nativeHorizon) ?? forecast.horizons[0]!;
    const [inserted, live] = await Promise.all([
      this.predictions.insert({
        modelVersionId: served.versionId,
        market,
        openTime,
        targetTime: openTime + native.horizon * step,
        horizon: native.horizon,
        lastClose: forecast.lastClose,
        predictedClose: forecast.lastClose * Math.exp(native.predictedReturn),
        predictedReturn: native.predictedReturn,
        probabilityUp: native.probabilityUp,
        horizons: forecast.horizons,
      }),
      realised.then(() => this.predictions.liveAccuracy(served.versionId)),
    ]);
    if ((!inserted && !force) || !publish) {
      return; // Another worker made this one already, or a catch-up stores it only.
    }
    const split = served.metrics?.split;
    const scores = served.metrics?.forecast ?? [];
    await this.cache.publish(
      market,
      cachedForecast({
        market,
        symbol,
        intervalMs: step,
        forecast,
        scores,
        model: {
          modelVersionId: served.versionId,
          trainedAt: served.trainedAt,
          testMae: split?.model.mae ?? null,
          testPersistenceMae: split?.persistence.mae ?? null,
          liveCount: live.count,
          liveMae: live.mae,
          livePersistenceMae: live.persistenceMae,
        },
      }),
    );
  }
}
