import { DAY_MS, HOUR_MS, rangeChunks } from './sentiment.source';

describe('rangeChunks', () => {
  const from = Date.UTC(2021, 0, 1);

  it('splits a long range into contiguous pieces one request each may cover', () => {
    const source = { maxRangeMs: 30 * DAY_MS };
    const to = from + 75 * DAY_MS - HOUR_MS; // 75 days of hourly buckets
    const chunks = rangeChunks(source, { from, to });

    expect(chunks).toEqual([
      { from, to: from + 30 * DAY_MS - 1 },
      { from: from + 30 * DAY_MS, to: from + 60 * DAY_MS - 1 },
      { from: from + 60 * DAY_MS, to },
    ]);
    // Every chunk is shorter than maxRangeMs, and no hour falls between two chunks.
    chunks.forEach((chunk, index) => {
      expect(chunk.to - chunk.from).toBeLessThan(source.maxRangeMs);
      if (index > 0) {
        expect(chunk.from - 1).toBe(chunks[index - 1]?.to);
      }
    });
  });

  it('keeps unaligned edges: the chunks still touch', () => {
    const start = from + 30 * 60_000;
    const chunks = rangeChunks({ maxRangeMs: DAY_MS }, { from: start, to: start + 2 * DAY_MS });
    expect(chunks).toHaveLength(3);
    expect(chunks[1]).toEqual({ from: start + DAY_MS, to: start + 2 * DAY_MS - 1 });
    expect(chunks[2]).toEqual({ from: start + 2 * DAY_MS, to: start + 2 * DAY_MS });
  });

  it('returns the range itself when one request serves everything, and nothing for an empty range', () => {
    const all = { maxRangeMs: Number.POSITIVE_INFINITY };
    expect(rangeChunks(all, { from, to: from + 3000 * DAY_MS })).toEqual([
      { from, to: from + 3000 * DAY_MS },
    ]);
    expect(rangeChunks(all, { from, to: from - 1 })).toEqual([]);
    expect(rangeChunks({ maxRangeMs: DAY_MS }, { from, to: from })).toEqual([{ from, to: from }]);
  });
});
