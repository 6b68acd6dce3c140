import { z } from 'zod';
import { describeIssues, retryAtFrom } from './sentiment-http';

describe('retryAtFrom', () => {
  const now = Date.UTC(2021, 2, 1, 12);

  it('reads delay seconds', () => {
    expect(retryAtFrom('120', now)).toBe(now + 120_000);
    expect(retryAtFrom(' 0 ', now)).toBe(now);
    expect(retryAtFrom('1.5', now)).toBe(now + 1500);
  });

  it('reads an HTTP date, never earlier than now', () => {
    expect(retryAtFrom('Mon, 01 Mar 2021 12:05:00 GMT', now)).toBe(now + 300_000);
    expect(retryAtFrom('Mon, 01 Mar 2021 11:00:00 GMT', now)).toBe(now);
  });

  it('falls back to 60 s (or the given default) when the header is missing or unreadable', () => {
    expect(retryAtFrom(null, now)).toBe(now + 60_000);
    expect(retryAtFrom(undefined, now)).toBe(now + 60_000);
    expect(retryAtFrom('', now)).toBe(now + 60_000);
    expect(retryAtFrom('soon', now, 5000)).toBe(now + 5000);
    expect(retryAtFrom('-5', now)).toBe(now + 60_000);
  });
});

describe('describeIssues', () => {
  it('names the path of the first problems and counts the rest', () => {
    const schema = z.object({ data: z.array(z.object({ time: z.number() })) });
    const result = schema.safeParse({
      data: [{ time: 1 }, { time: 'a' }, {}, { time: null }, { time: true }],
    });
    expect(result.success).toBe(false);
    expect(describeIssues(result.error as z.ZodError)).toBe(
      'data[1].time: Invalid input: expected number, received string; ' +
        'data[2].time: Invalid input: expected number, received undefined; ' +
        'data[3].time: Invalid input: expected number, received null (and 1 more problems)',
    );
  });

  it('calls a problem with the document itself (root)', () => {
    const result = z.object({}).safeParse('text');
    expect(describeIssues(result.error as z.ZodError)).toBe(
      '(root): Invalid input: expected object, received string',
    );
  });
});
