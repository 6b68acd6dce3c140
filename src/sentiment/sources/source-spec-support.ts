import type { SentimentPoint } from './sentiment.source';

/** A clock the test moves; `sleep` moves it too and records how long it was asked to wait. */
export function fakeTime(start: number) {
  const time = { now: start, sleeps: [] as number[] };
  return {
    time,
    clock: () => time.now,
    sleep: (ms: number) => {
      time.sleeps.push(ms);
      time.now += ms;
      return Promise.resolve();
    },
  };
}

/** What `promise` rejects with (or resolves to), for assertions on the error itself. */
export function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.catch((error: unknown) => error);
}

/**
 * A point with every social metric null, as Fear & Greed values are, written out here rather than
 * taken from the code under test.
 */
export function pointWithoutSocialMetrics(
  fields: Pick<
    SentimentPoint,
    'source' | 'symbol' | 'time' | 'sentiment' | 'classification' | 'raw'
  >,
): SentimentPoint {
  return {
    source: fields.source,
    symbol: fields.symbol,
    time: fields.time,
    sentiment: fields.sentiment,
    galaxyScore: null,
    altRank: null,
    interactions: null,
    socialDominance: null,
    contributorsActive: null,
    postsActive: null,
    spam: null,
    classification: fields.classification,
    ...(fields.raw ? { raw: fields.raw } : {}),
  };
}
