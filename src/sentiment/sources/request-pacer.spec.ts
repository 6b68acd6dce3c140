import { RequestPacer } from './request-pacer';
import { fakeTime } from './source-spec-support';

function pacer(requestsPerMinute: number) {
  const { time, clock, sleep } = fakeTime(1_000_000);
  const paced = new RequestPacer({ requestsPerMinute, clock, sleep });
  return { paced, time };
}

describe('RequestPacer', () => {
  it('lets N requests through at once, then waits for the oldest to leave the minute', async () => {
    const { paced, time } = pacer(2);
    const startedAt: number[] = [];
    for (let request = 0; request < 5; request++) {
      await paced.acquire();
      startedAt.push(time.now - 1_000_000);
      time.now += 10_000;
    }
    expect(startedAt).toEqual([0, 10_000, 60_000, 70_000, 120_000]);
    expect(time.sleeps).toEqual([40_000, 40_000]);
  });

  it('needs no wait once a quiet minute has passed', async () => {
    const { paced, time } = pacer(1);
    await paced.acquire();
    expect(paced.waitMs).toBe(60_000);
    time.now += 60_000;
    expect(paced.waitMs).toBe(0);
    await paced.acquire();
    expect(time.sleeps).toEqual([]);
  });

  it('serves concurrent callers in order, one slot each', async () => {
    const { paced, time } = pacer(1);
    const order: number[] = [];
    await Promise.all(
      [1, 2, 3].map(async (caller) => {
        await paced.acquire();
        order.push(caller);
      }),
    );
    expect(order).toEqual([1, 2, 3]);
    expect(time.sleeps).toEqual([60_000, 60_000]);
  });

  it('refuses a budget below one request a minute', () => {
    expect(() => pacer(0)).toThrow('requestsPerMinute must be a whole number >= 1, got 0');
    expect(() => pacer(1.5)).toThrow(RangeError);
  });
});
