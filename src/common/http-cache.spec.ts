import {
  IMMUTABLE_MAX_AGE_SECONDS,
  cacheControl,
  entityTag,
  ifNoneMatchMatches,
  isClosedCompleteRange,
  newestClosedOpenTime,
} from './http-cache';

const HOUR_MS = 3_600_000;
// 2024-03-04T10:45:30Z: the 09:00 candle closed at 10:00, the next close is at 11:00.
const NOW = Date.UTC(2024, 2, 4, 10, 45, 30);
const NINE = Date.UTC(2024, 2, 4, 9);

describe('entity tags and If-None-Match (RFC 9110 13.1.2)', () => {
  it('tags the exact bytes: a strong, quoted SHA-1 that changes with any byte', () => {
    // echo -n '{"a":1}' | openssl sha1 -binary | base64 | tr '+/' '-_' | tr -d =
    expect(entityTag('{"a":1}')).toBe('"n4nHQM60bXQYySSnisV5QdXpZSA"');
    expect(entityTag('{"a":2}')).not.toBe(entityTag('{"a":1}'));
  });

  it('matches a list, weak forms and *, and nothing else', () => {
    const etag = '"abc"';
    expect(ifNoneMatchMatches('"abc"', etag)).toBe(true);
    expect(ifNoneMatchMatches('"x", "abc"', etag)).toBe(true);
    expect(ifNoneMatchMatches('"x",W/"abc"', etag)).toBe(true);
    expect(ifNoneMatchMatches('*', etag)).toBe(true);
    expect(ifNoneMatchMatches('"abcd", "ab"', etag)).toBe(false);
    expect(ifNoneMatchMatches('abc', etag)).toBe(false);
    expect(ifNoneMatchMatches('', etag)).toBe(false);
    expect(ifNoneMatchMatches(undefined, etag)).toBe(false);
  });
});

describe('Cache-Control of per-candle reads', () => {
  it('keeps a body of the newest closed candle until the next close, to the second', () => {
    expect(newestClosedOpenTime(HOUR_MS, NOW)).toBe(NINE);
    const content = { stepMs: HOUR_MS, newestOpenTime: NINE };
    // 11:00:00 - 10:45:30 = 870 s.
    expect(cacheControl({ shared: true, content, immutable: false, nowMs: NOW })).toBe(
      'public, max-age=870',
    );
    expect(cacheControl({ shared: false, content, immutable: false, nowMs: NOW })).toBe(
      'private, max-age=870',
    );
  });

  it('makes caches revalidate a body behind or ahead of the clock, or about no candle', () => {
    for (const newestOpenTime of [NINE - HOUR_MS, NINE + HOUR_MS, undefined]) {
      expect(
        cacheControl({
          shared: true,
          content: { stepMs: HOUR_MS, newestOpenTime },
          immutable: false,
          nowMs: NOW,
        }),
      ).toBe('public, max-age=0, must-revalidate');
    }
  });

  it('marks a closed range immutable for a year', () => {
    expect(
      cacheControl({
        shared: true,
        content: { stepMs: HOUR_MS, newestOpenTime: NINE - 5 * HOUR_MS },
        immutable: true,
        nowMs: NOW,
      }),
    ).toBe(`public, max-age=${IMMUTABLE_MAX_AGE_SECONDS}, immutable`);
  });
});

describe('closed candle ranges', () => {
  const hours = (first: number, count: number) =>
    Array.from({ length: count }, (_, index) => first + index * HOUR_MS);
  const from = NINE - 10 * HOUR_MS;
  const range = {
    stepMs: HOUR_MS,
    from,
    to: NINE - 6 * HOUR_MS,
    cursorStart: undefined,
    openTimes: hours(from, 5),
    truncated: false,
  };

  it('is closed when to is before the newest closed candle and no candle is missing', () => {
    expect(isClosedCompleteRange(range, NOW)).toBe(true);
    // `to` inside a candle: that candle is the last one.
    expect(isClosedCompleteRange({ ...range, to: range.to + 1_000 }, NOW)).toBe(true);
    // A full page of a longer range, and the page after it.
    expect(
      isClosedCompleteRange(
        { ...range, to: NINE - HOUR_MS, openTimes: hours(from, 3), truncated: true },
        NOW,
      ),
    ).toBe(true);
    expect(
      isClosedCompleteRange(
        { ...range, cursorStart: from + 2 * HOUR_MS + 1, openTimes: hours(from + 3 * HOUR_MS, 2) },
        NOW,
      ),
    ).toBe(true);
  });

  it('is open when it reaches the newest closed candle, has an open end or misses a candle', () => {
    expect(isClosedCompleteRange({ ...range, to: NINE, openTimes: hours(from, 11) }, NOW)).toBe(
      false,
    );
    expect(isClosedCompleteRange({ ...range, from: undefined }, NOW)).toBe(false);
    expect(isClosedCompleteRange({ ...range, to: undefined }, NOW)).toBe(false);
    expect(isClosedCompleteRange({ ...range, openTimes: hours(from, 4) }, NOW)).toBe(false);
    expect(isClosedCompleteRange({ ...range, openTimes: hours(from + HOUR_MS, 4) }, NOW)).toBe(
      false,
    );
    const withGap = [...hours(from, 2), ...hours(from + 3 * HOUR_MS, 2)];
    expect(isClosedCompleteRange({ ...range, openTimes: withGap }, NOW)).toBe(false);
  });
});
