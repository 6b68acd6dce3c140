import { alignSentiment, sentimentAvailableAt, type AlignedSentiment } from './sentiment-alignment';
import {
  DAY_MS,
  HOUR_MS,
  type SentimentPoint,
  type SentimentSourceName,
} from './sources/sentiment.source';
import { pointWithoutSocialMetrics } from './sources/source-spec-support';

const T0 = Date.UTC(2021, 2, 1); // 2021-03-01 00:00

function point(source: SentimentSourceName, time: number, sentiment = 50): SentimentPoint {
  const symbol = source === 'lunarcrush' ? 'BTC' : 'MARKET';
  return pointWithoutSocialMetrics({ source, symbol, time, sentiment, classification: null });
}

function hourlyCandles(first: number, count: number): { openTime: number }[] {
  return Array.from({ length: count }, (_, index) => ({ openTime: first + index * HOUR_MS }));
}

/** The rule written the slow, obvious way: O(n * m). */
function naiveAlign(
  candles: { openTime: number }[],
  intervalMs: number,
  points: SentimentPoint[],
  maxAgeMs = Number.POSITIVE_INFINITY,
): (AlignedSentiment | null)[] {
  return candles.map((candle) => {
    const close = candle.openTime + intervalMs;
    let best: SentimentPoint | undefined;
    for (const candidate of points) {
      const at = sentimentAvailableAt(candidate);
      if (at <= close && (!best || at >= sentimentAvailableAt(best))) {
        best = candidate;
      }
    }
    if (!best || close - sentimentAvailableAt(best) > maxAgeMs) {
      return null;
    }
    const availableAt = sentimentAvailableAt(best);
    return { point: best, availableAt, ageMs: close - availableAt };
  });
}

describe('sentimentAvailableAt', () => {
  it('knows a LunarCrush hour when it ends and a Fear & Greed day at its midnight', () => {
    expect(sentimentAvailableAt(point('lunarcrush', T0))).toBe(T0 + HOUR_MS);
    expect(sentimentAvailableAt(point('fear-greed', T0))).toBe(T0);
  });
});

describe('alignSentiment', () => {
  it('never uses a point known one second after the candle closes; the next candle gets it', () => {
    const candles = hourlyCandles(T0, 3); // closes at 01:00, 02:00, 03:00
    const close = T0 + HOUR_MS;
    const early = point('fear-greed', close - 1000, 10);
    const late = point('fear-greed', close + 1000, 20);

    const aligned = alignSentiment(candles, HOUR_MS, [early, late]);

    expect(aligned[0]).toEqual({ point: early, availableAt: close - 1000, ageMs: 1000 });
    expect(aligned[1]).toEqual({ point: late, availableAt: close + 1000, ageMs: HOUR_MS - 1000 });
    expect(aligned[2]?.point).toBe(late);
  });

  it('the same for a LunarCrush bucket, which is known only when its hour ends', () => {
    const candles = hourlyCandles(T0, 2);
    // This bucket starts one second after the first candle's open: it ends one second after its close.
    const bucket = point('lunarcrush', T0 + 1000);
    const aligned = alignSentiment(candles, HOUR_MS, [bucket]);
    expect(aligned[0]).toBeNull();
    expect(aligned[1]).toEqual({
      point: bucket,
      availableAt: T0 + HOUR_MS + 1000,
      ageMs: HOUR_MS - 1000,
    });
  });

  it('gives an hourly candle the LunarCrush bucket of its own hour (known at its close), not the next one', () => {
    const candles = hourlyCandles(T0, 24);
    const buckets = Array.from({ length: 24 }, (_, hour) =>
      point('lunarcrush', T0 + hour * HOUR_MS, hour),
    );
    const aligned = alignSentiment(candles, HOUR_MS, buckets);
    expect(aligned.map((entry) => entry?.point.time)).toEqual(
      candles.map((candle) => candle.openTime),
    );
    expect(aligned.map((entry) => entry?.ageMs)).toEqual(candles.map(() => 0));
  });

  it('gives a daily Fear & Greed value from its midnight on, on hourly candles', () => {
    const candles = hourlyCandles(T0, 48); // 2021-03-01 00:00 .. 03-02 23:00
    const days = [
      point('fear-greed', T0 - DAY_MS, 40),
      point('fear-greed', T0, 41),
      point('fear-greed', T0 + DAY_MS, 42),
    ];
    const aligned = alignSentiment(candles, HOUR_MS, days);

    expect(aligned[0]).toMatchObject({ point: { sentiment: 41 }, ageMs: HOUR_MS });
    expect(aligned[22]).toMatchObject({ point: { sentiment: 41 }, ageMs: 23 * HOUR_MS });
    // 23:00 closes at the next midnight, when the next value is published.
    expect(aligned[23]).toMatchObject({ point: { sentiment: 42 }, ageMs: 0 });
    expect(aligned[47]).toMatchObject({ point: { sentiment: 42 }, ageMs: DAY_MS });
  });

  it('returns null before the first point and when the latest is older than maxAgeMs', () => {
    const candles = hourlyCandles(T0, 6);
    const only = point('lunarcrush', T0 + HOUR_MS); // known at 02:00
    const aligned = alignSentiment(candles, HOUR_MS, [only], { maxAgeMs: 2 * HOUR_MS });

    expect(aligned.map((entry) => entry?.ageMs ?? null)).toEqual([
      null, // closes 01:00
      0, // closes 02:00
      HOUR_MS,
      2 * HOUR_MS, // exactly maxAgeMs: still used
      null, // older than maxAgeMs
      null,
    ]);
    expect(alignSentiment(candles, HOUR_MS, [])).toEqual([null, null, null, null, null, null]);
    expect(alignSentiment([], HOUR_MS, [only])).toEqual([]);
  });

  it('answers in the candles’ order even when candles and points come unsorted', () => {
    const candles = hourlyCandles(T0, 10);
    const points = Array.from({ length: 10 }, (_, hour) =>
      point('lunarcrush', T0 + hour * HOUR_MS, hour),
    );
    const sorted = alignSentiment(candles, HOUR_MS, points);
    const order = [3, 9, 0, 7, 1, 8, 2, 6, 4, 5];
    const shuffledCandles = order.map((index) => {
      const candle = candles[index];
      if (candle === undefined) {
        throw new RangeError(`No candle ${index} of ${candles.length}`);
      }
      return candle;
    });
    const shuffledPoints = [...points].reverse();

    const aligned = alignSentiment(shuffledCandles, HOUR_MS, shuffledPoints);
    expect(aligned).toEqual(order.map((index) => sorted[index]));
  });

  it('matches the obvious O(n * m) rule on a random mix of sources, gaps and intervals', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    for (const intervalMs of [15 * 60_000, HOUR_MS, 4 * HOUR_MS, DAY_MS]) {
      const candles = Array.from({ length: 300 }, (_, index) => ({
        openTime: T0 + index * intervalMs,
      })).filter(() => random() > 0.1); // exchange gaps
      const points: SentimentPoint[] = [];
      for (let hour = -48; hour < 300 * (intervalMs / HOUR_MS); hour++) {
        if (random() > 0.3) {
          points.push(point('lunarcrush', T0 + hour * HOUR_MS, hour));
        }
      }
      const maxAgeMs = 3 * HOUR_MS;
      expect(alignSentiment(candles, intervalMs, points, { maxAgeMs })).toEqual(
        naiveAlign(candles, intervalMs, points, maxAgeMs),
      );
      expect(alignSentiment(candles, intervalMs, points)).toEqual(
        naiveAlign(candles, intervalMs, points),
      );
    }
  });

  it('refuses a non-positive interval', () => {
    expect(() => alignSentiment([{ openTime: T0 }], 0, [])).toThrow(
      'intervalMs must be positive, got 0',
    );
  });
});
