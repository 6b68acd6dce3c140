import { Injectable } from '@nestjs/common';
import type { Candle } from '../market-data/candle';
import { CandleWindowCache } from '../market-data/candle-window.cache';
import { MarketCatalogue, intervalMs } from '../market-data/market-catalogue';
import {
  DEFAULT_FEATURES,
  featureMarkets,
  parseFeatureList,
  type FeatureContext,
  type FeatureName,
} from './engine/feature-spec';
import { modelFeatures } from './engine/features';
import { ModelSentiment } from './model-sentiment';

/** Everything a model's feature columns are computed from, over candles of its market. */
export interface ModelInputSet {
  /** The model's market's candles, oldest first. */
  candles: readonly Candle[];
  /** The model's inputs: for a new model, the chosen ones and sentiment where it joined. */
  features: FeatureName[];
  /** The sentiment column, aligned with the candles, when the inputs include sentiment. */
  sentiment?: { source: string; values: (number | null)[] };
  /** Other markets' candles over the same span, by base asset, for `<BASE>/...` inputs. */
  markets: Map<string, Candle[]>;
}

/** Where inputs of `symbol`'s models (base asset) are checked: they may read the catalogue's other markets. */
export function featureContext(catalogue: MarketCatalogue, symbol: string): FeatureContext {
  return { market: symbol, otherMarkets: catalogue.bases };
}

/**
 * The one place that gathers a model's inputs, so training, searches, live predictions and the
 * CLI give a model the same ones: the sentiment column (joined when a series covers a new model's
 * candles, else the series the model was trained on) and the candles of the other markets its
 * `<BASE>/...` inputs read, over the same span as the model's candles, on the same interval.
 */
@Injectable()
export class ModelInputs {
  constructor(
    private readonly catalogue: MarketCatalogue,
    private readonly recent: CandleWindowCache,
    private readonly sentiment: ModelSentiment,
  ) {}

  /** Where inputs of `symbol`'s models are checked (see `featureContext`). */
  context(symbol: string): FeatureContext {
    return featureContext(this.catalogue, symbol);
  }

  /**
   * The inputs a request chose for a model of `symbol` (base asset) in canonical form, the
   * defaults when it chose none; a FeatureListError names each bad entry (`features[1]`).
   */
  resolveFeatures(symbol: string, requested?: readonly unknown[]): FeatureName[] {
    return requested?.length
      ? parseFeatureList(requested, this.context(symbol))
      : [...DEFAULT_FEATURES];
  }

  /**
   * A model's inputs over `candles` of `symbol`'s market. `sentiment: 'join'` is for a new model:
   * sentiment joins its inputs where a series covers the candles. `{ source }` is for a trained
   * model: its own series is read when its inputs include sentiment.
   */
  async gather(params: {
    symbol: string;
    interval: string;
    candles: readonly Candle[];
    features: readonly FeatureName[];
    sentiment: 'join' | { source?: string };
  }): Promise<ModelInputSet> {
    const { symbol, candles } = params;
    const step = intervalMs(params.interval);
    const trainedOn = params.sentiment === 'join' ? undefined : params.sentiment;
    const sentiment =
      !trainedOn || params.features.includes('sentiment')
        ? await this.sentiment.column({
            symbol,
            candles,
            intervalMs: step,
            ...(trainedOn ? { minCoverage: 0, source: trainedOn.source } : {}),
          })
        : undefined;
    const features = trainedOn ? [...params.features] : modelFeatures(params.features, sentiment);
    const markets = new Map<string, Candle[]>();
    for (const market of featureMarkets(features)) {
      markets.set(market, await this.sameSpan(market, params.interval, candles));
    }
    return { candles, features, sentiment, markets };
  }

  /** Another market's candles opening from the first of `candles` to the last, oldest first. */
  private async sameSpan(
    base: string,
    interval: string,
    candles: readonly Candle[],
  ): Promise<Candle[]> {
    const first = candles[0];
    const last = candles[candles.length - 1];
    if (!first || !last) {
      return [];
    }
    const count = Math.round((last.openTime - first.openTime) / intervalMs(interval)) + 1;
    const market = {
      exchange: this.catalogue.exchange,
      symbol: this.catalogue.pair(base),
      interval,
    };
    const newest = await this.recent.newest(market, { count, to: last.openTime });
    return newest.filter((candle) => candle.openTime >= first.openTime);
  }
}
