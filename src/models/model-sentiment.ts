import { Injectable } from '@nestjs/common';
import type { Candle } from '../market-data/candle';
import { SentimentService } from '../sentiment/sentiment.service';

/** Values older than this at a candle's close do not count (a daily index stays valid for a day and a half). */
const MAX_AGE_MS = 36 * 3_600_000;
/** A model uses sentiment only when this share of its candles has a value. */
const MIN_COVERAGE = 0.9;

/**
 * The sentiment column of a model's candles: for each candle the latest value known at its close
 * (LunarCrush's coin series when it covers the candles, else the market-wide Fear & Greed index),
 * never a later one. Undefined when no series covers the candles well enough to train on.
 */
@Injectable()
export class ModelSentiment {
  constructor(private readonly sentiment: SentimentService) {}

  async column(params: {
    symbol: string;
    candles: readonly Candle[];
    intervalMs: number;
    minCoverage?: number;
    /** The series a model was trained on (predictions must read the same one). */
    source?: string;
  }): Promise<{ source: string; values: (number | null)[] } | undefined> {
    if (!params.candles.length) {
      return undefined;
    }
    const aligned = await this.sentiment.alignToCandles({
      symbol: params.symbol,
      candles: params.candles,
      intervalMs: params.intervalMs,
      maxAgeMs: MAX_AGE_MS,
    });
    for (const source of ['lunarcrush', 'fear-greed'] as const) {
      const values = aligned.get(source)?.map((point) => point?.point.sentiment ?? null);
      if (!values || (params.source !== undefined && params.source !== source)) {
        continue;
      }
      const covered = values.filter((value) => value !== null).length / values.length;
      if (covered > 0 && covered >= (params.minCoverage ?? MIN_COVERAGE)) {
        return { source, values };
      }
    }
    return undefined;
  }
}
