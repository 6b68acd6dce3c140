import { Injectable } from '@nestjs/common';
import { MAX_TIME_MS } from '../common/time-param';
import type { MarketKey } from '../market-data/candle';
import { CandleWindowCache } from '../market-data/candle-window.cache';
import { intervalMs } from '../market-data/market';
import { SentimentService } from '../sentiment/sentiment.service';
import { decide, type Decision } from './engine/rule-evaluation';
import type { StrategyDefinition } from './engine/strategy-definition';
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

/** Runs a strategy on a market's newest candles (the live path, and dry runs). */
@Injectable()
export class StrategyEvaluator {
  constructor(
    private readonly recent: CandleWindowCache,
    private readonly sentiment: SentimentService,
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
    const candles = await this.recent.newest(market, {
      count: windowFor(definition),
      to: params.openTime ?? MAX_TIME_MS,
    });
    const last = candles[candles.length - 1];
    if (!last || (params.openTime !== undefined && last.openTime !== params.openTime)) {
      return undefined;
    }
    const predictions = new Map<number, PredictionInput>();
    if (params.prediction && params.prediction.openTime === last.openTime) {
      predictions.set(last.openTime, params.prediction);
    }
    let sentiment: (number | null)[] | undefined;
    if (
      definition.rules.some(
        (rule) => rule.input === 'sentiment' || rule.input === 'sentimentChange',
      )
    ) {
      const aligned = await this.sentiment.alignToCandles({
        symbol: params.symbol,
        candles,
        intervalMs: intervalMs(market.interval),
      });
      const series = aligned.get('lunarcrush')?.some((point) => point !== null)
        ? aligned.get('lunarcrush')
        : aligned.get('fear-greed');
      sentiment = series?.map((point) => point?.point.sentiment ?? null);
    }
    const inputs = computeStrategyInputs({ definition, candles, predictions, sentiment });
    return {
      decision: decide(definition, inputs, candles.length - 1),
      openTime: last.openTime,
      close: last.close,
    };
  }
}
