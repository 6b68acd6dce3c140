import { Injectable } from '@nestjs/common';
import { MAX_TIME_MS } from '../common/time-param';
import type { Candle, MarketKey } from '../market-data/candle';
import { CandleWindowCache } from '../market-data/candle-window.cache';
import { intervalMs } from '../market-data/market-catalogue';
import type { CachedPrediction } from '../models/live/prediction.cache';
import { PredictionsRepository } from '../models/predictions.repository';
import { SentimentService } from '../sentiment/sentiment.service';
import { decide, type Decision } from './engine/rule-evaluation';
import { MODEL_INPUTS, type StrategyDefinition } from './engine/strategy-definition';
import { computeStrategyInputs, type PredictionInput } from './engine/strategy-inputs';

export interface Evaluation {
  decision: Decision;
  openTime: number;
  close: number;
}

/**
 * Candles before the decided one, so smoothed inputs (EMA, MACD, Wilder's RSI) match a long
 * history: after 20 periods an exponential average keeps (1 - 2/(n+1))^(20n) of its start, below
 * 1e-16 up to period 240, and the 5,000-candle cap still leaves under 2e-8 at period 500 (the
 * largest a rule may ask for), so live decisions see what a backtest over the whole history sees.
 */
function windowFor(definition: StrategyDefinition): number {
  const longest = Math.max(26, ...definition.rules.map((rule) => rule.period ?? 0));
  return Math.min(5000, Math.max(1000, 20 * longest + 100));
}

/**
 * A served forecast as strategies read it: the shortest horizon's point and P(up) (the top-level
 * fields), and its volatility per candle (the horizon's divided by sqrt(horizon), so it compares
 * with the EWMA volatility backtests read; horizon 1, the first of every interval's defaults,
 * needs no scaling).
 */
export function predictionInput(prediction: CachedPrediction): PredictionInput {
  const shortest = prediction.horizons[0];
  return {
    openTime: prediction.openTime,
    predictedReturn: prediction.predictedReturn,
    probabilityUp: prediction.probabilityUp,
    volatility: shortest ? shortest.volatility / Math.sqrt(shortest.horizon) : null,
    trainedAt: prediction.trainedAt,
  };
}

/** Whether a strategy reads sentiment. */
export function readsSentiment(definition: StrategyDefinition): boolean {
  return definition.rules.some(
    (rule) => rule.input === 'sentiment' || rule.input === 'sentimentChange',
  );
}

/**
 * The sentiment column strategies read, aligned with `candles` without look-ahead: LunarCrush's
 * when it has any value there, else Fear & Greed's. The same for live decisions and backtests.
 */
export async function strategySentiment(
  sentiment: SentimentService,
  params: { symbol: string; candles: readonly Candle[]; intervalMs: number },
): Promise<(number | null)[] | undefined> {
  const aligned = await sentiment.alignToCandles({
    symbol: params.symbol,
    candles: params.candles,
    intervalMs: params.intervalMs,
  });
  const series = aligned.get('lunarcrush')?.some((point) => point !== null)
    ? aligned.get('lunarcrush')
    : aligned.get('fear-greed');
  return series?.map((point) => point?.point.sentiment ?? null);
}

/** Whether a rule on a model input compares with the candle before (a crossing). */
function crossesOnModelInput(definition: StrategyDefinition): boolean {
  return definition.rules.some(
    (rule) =>
      MODEL_INPUTS.includes(rule.input) &&
      (rule.condition.op === 'crossesAbove' || rule.condition.op === 'crossesBelow'),
  );
}

/** Runs a strategy on a market's newest candles (the live path, and dry runs). */
@Injectable()
export class StrategyEvaluator {
  constructor(
    private readonly recent: CandleWindowCache,
    private readonly sentiment: SentimentService,
    private readonly storedPredictions: PredictionsRepository,
  ) {}

  async evaluate(params: {
    definition: StrategyDefinition;
    market: MarketKey;
    /** Base asset (`BTC`), for sentiment. */
    symbol: string;
    /** Decide at this candle (it must be the newest stored); default: the newest. */
    openTime?: number;
    prediction?: PredictionInput | null;
  }): Promise<Evaluation | undefined> {
    const { definition, market } = params;
    const count = windowFor(definition);
    const candles =
      params.openTime === undefined
        ? await this.recent.newest(market, { count, to: MAX_TIME_MS })
        : await this.recent.endingAt(market, { count, openTime: params.openTime });
    const last = candles?.[candles.length - 1];
    if (!candles || !last) {
      return undefined;
    }
    const predictions = new Map<number, PredictionInput>();
    if (params.prediction && params.prediction.openTime === last.openTime) {
      predictions.set(last.openTime, params.prediction);
      // A crossing compares with the prediction stored at the candle before, as a backtest does.
      const before = candles[candles.length - 2];
      if (before && crossesOnModelInput(definition)) {
        const stored = await this.storedPredictions.forRange(
          market,
          before.openTime,
          before.openTime,
        );
        const previous = stored.get(before.openTime);
        if (previous) {
          predictions.set(before.openTime, previous);
        }
      }
    }
    const sentiment = readsSentiment(definition)
      ? await strategySentiment(this.sentiment, {
          symbol: params.symbol,
          candles,
          intervalMs: intervalMs(market.interval),
        })
      : undefined;
    const inputs = computeStrategyInputs({ definition, candles, predictions, sentiment });
    return {
      decision: decide(definition, inputs, candles.length - 1),
      openTime: last.openTime,
      close: last.close,
    };
  }
}
