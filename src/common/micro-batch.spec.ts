import { MicroBatch } from './micro-batch';

describe('MicroBatch', () => {
  it('runs calls made in one turn as one batch and gives each caller its own result', async () => {
    const batches: number[][] = [];
    const batch = new MicroBatch<number, number>(async (inputs) => {
      batches.push(inputs);
      return inputs.map((input) => input * 2);
    });
    const results = await Promise.all([1, 2, 3].map((n) => batch.add(n)));
    expect(results).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1, 2, 3]]);
    expect(await batch.add(5)).toBe(10);
    expect(batches).toEqual([[1, 2, 3], [5]]);
  });

  it('splits at the maximum size and rejects every caller of a failed batch', async () => {
    const sizes: number[] = [];
    const batch = new MicroBatch<number, number>(async (inputs) => {
      sizes.push(inputs.length);
      if (inputs.includes(13)) {
        throw new Error('unlucky');
      }
      return inputs;
    }, 2);
    const settled = await Promise.allSettled([1, 2, 13, 4, 5].map((n) => batch.add(n)));
    expect(sizes).toEqual([2, 2, 1]);
    expect(settled.map((s) => s.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
  });
});
