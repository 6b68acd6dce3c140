import { SharedRead } from './shared-read';

describe('SharedRead', () => {
  it('shares one read between concurrent callers and keeps it until dropped', async () => {
    let reads = 0;
    const shared = new SharedRead(async () => ++reads);
    expect(await Promise.all([shared.get(), shared.get()])).toEqual([1, 1]);
    expect(await shared.get()).toBe(1);
    shared.drop();
    expect(await shared.get()).toBe(2);
  });

  it('reads again once the answer is older than its age limit', async () => {
    let reads = 0;
    const shared = new SharedRead(async () => ++reads, 20);
    expect(await shared.get()).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(await shared.get()).toBe(2);
  });

  it('does not keep a failed read', async () => {
    let reads = 0;
    const shared = new SharedRead(async () => {
      reads++;
      if (reads === 1) {
        throw new Error('database away');
      }
      return reads;
    });
    await expect(shared.get()).rejects.toThrow('database away');
    expect(await shared.get()).toBe(2);
  });
});
