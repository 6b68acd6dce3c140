import { HotPath } from './hot-path';

describe('HotPath', () => {
  it('lets background work through at once when the live path is idle', async () => {
    const hot = new HotPath();
    await hot.idle();
    expect(hot.yields).toBe(0);
  });

  it('holds background work until every piece of live work is done, then counts the wait', async () => {
    const hot = new HotPath();
    const order: string[] = [];
    let finishFirst!: () => void;
    let finishSecond!: () => void;
    const first = hot.run(() => new Promise<void>((resolve) => (finishFirst = resolve)));
    const second = hot.run(() => new Promise<void>((resolve) => (finishSecond = resolve)));
    const background = hot.idle().then(() => order.push('background'));
    expect(hot.busy).toBe(true);
    finishFirst();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    order.push('first done');
    finishSecond();
    await second;
    order.push('second done');
    await background;
    expect(order).toEqual(['first done', 'second done', 'background']);
    expect(hot.yields).toBe(1);
    expect(hot.busy).toBe(false);
  });

  it('lets live work queued right behind the last piece go before background work', async () => {
    const hot = new HotPath();
    const order: string[] = [];
    let chain: Promise<void> = hot.run(async () => {
      order.push('live 1');
    });
    const background = hot.idle().then(() => order.push('background'));
    // A per-market queue: the next candle's work starts when the previous one settles.
    chain = chain.then(() =>
      hot.run(async () => {
        order.push('live 2');
      }),
    );
    await Promise.all([chain, background]);
    expect(order).toEqual(['live 1', 'live 2', 'background']);
  });

  it('passes on the live work’s result and error', async () => {
    const hot = new HotPath();
    await expect(hot.run(async () => 42)).resolves.toBe(42);
    await expect(hot.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(hot.busy).toBe(false);
  });
});
