import { HOUR_MS, type SentimentPoint } from './sources/sentiment.source';

/**
 * When a sentiment value became known (epoch ms): the earliest moment a model may use it.
 *
 * - LunarCrush: an hourly bucket stamped `time` aggregates posts in [time, time + 1h), so its
 *   value is final only when the hour ends: available at `time + 1h`.
 * - Fear & Greed: the value stamped at a day's UTC midnight is published at that midnight for
 *   that day (alternative.me computes it from the previous 24 hours and updates at 00:00 UTC;
 *   `time_until_update` counts down to the next midnight), so it is available at `time`.
 *   Early (2018-2019) values stamped at other hours of the day are normalised to midnight by
 *   the source, which can make them look up to a few hours early; later ones are exact.
 */
export function sentimentAvailableAt(point: Pick<SentimentPoint, 'source' | 'time'>): number {
  switch (point.source) {
    case 'lunarcrush':
      return point.time + HOUR_MS;
    case 'fear-greed':
      return point.time;
  }
}

export interface AlignedSentiment {
  point: SentimentPoint;
  /** When the point became known (see `sentimentAvailableAt`). */
  availableAt: number;
  /** Candle close minus `availableAt`: how stale the value is when the candle closes. */
  ageMs: number;
}

export interface AlignSentimentOptions {
  /** Values older than this at the candle's close count as missing. */
  maxAgeMs?: number;
}

interface Available {
  point: SentimentPoint;
  availableAt: number;
}

function isSortedBy<T>(items: readonly T[], key: (item: T) => number): boolean {
  let previous = Number.NEGATIVE_INFINITY;
  for (const item of items) {
    const current = key(item);
    if (previous > current) {
      return false;
    }
    previous = current;
  }
  return true;
}

/**
 * For each candle (same order as given), the latest point known at or before the candle's close
 * (`openTime + intervalMs`), never one known later, or null when there is none or it is older than
 * `maxAgeMs`. Pass one series (one source and symbol). When several points become known at the
 * same moment the last one given wins.
 *
 * O(n + m) for candles ascending by open time and points ascending by time (what the repositories
 * return); unsorted input is sorted first.
 */
export function alignSentiment(
  candles: readonly { openTime: number }[],
  intervalMs: number,
  points: readonly SentimentPoint[],
  options: AlignSentimentOptions = {},
): (AlignedSentiment | null)[] {
  if (!(intervalMs > 0)) {
    throw new RangeError(`intervalMs must be positive, got ${intervalMs}`);
  }
  const maxAgeMs = options.maxAgeMs ?? Number.POSITIVE_INFINITY;
  const available: Available[] = points.map((point) => ({
    point,
    availableAt: sentimentAvailableAt(point),
  }));
  if (!isSortedBy(available, (entry) => entry.availableAt)) {
    available.sort((a, b) => a.availableAt - b.availableAt); // stable: input order breaks ties
  }
  const aligned = new Array<AlignedSentiment | null>(candles.length).fill(null);
  let entry: Available | undefined; // the last point known by the current close
  let next = 0; // index in `available` of the first point not known yet
  // Called with ascending open times.
  const alignCandle = (index: number, openTime: number): void => {
    const close = openTime + intervalMs;
    for (
      let known = available[next];
      known && known.availableAt <= close;
      known = available[next]
    ) {
      entry = known;
      next++;
    }
    if (entry && close - entry.availableAt <= maxAgeMs) {
      aligned[index] = {
        point: entry.point,
        availableAt: entry.availableAt,
        ageMs: close - entry.availableAt,
      };
    }
  };
  if (isSortedBy(candles, (candle) => candle.openTime)) {
    candles.forEach((candle, index) => alignCandle(index, candle.openTime));
  } else {
    candles
      .map((candle, index) => ({ index, openTime: candle.openTime }))
      .sort((a, b) => a.openTime - b.openTime)
      .forEach(({ index, openTime }) => alignCandle(index, openTime));
  }
  return aligned;
}
