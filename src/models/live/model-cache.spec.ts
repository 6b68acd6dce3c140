import { ModelCache } from './model-cache';

interface FakeModel {
  name: string;
  disposed: boolean;
}

function cacheOf(maxModels: number) {
  const loaded: string[] = [];
  const evicted: string[] = [];
  const cache = new ModelCache<FakeModel>({
    maxModels,
    dispose: (model) => {
      expect(model.disposed).toBe(false);
      model.disposed = true;
    },
    onEvict: (key) => evicted.push(key),
  });
  const load = (name: string) => async () => {
    loaded.push(name);
    return { value: { name, disposed: false }, weightBytes: 100 };
  };
  const use = (name: string) => cache.use(name, load(name), (model) => model);
  return { cache, loaded, evicted, load, use };
}

describe('ModelCache: least recently used models dropped beyond the limit, loaded again on use', () => {
  it('evicts the least recently used model and loads it again on its next use', async () => {
    const { cache, loaded, evicted, use } = cacheOf(2);
    const a = await use('a');
    await use('b');
    await use('a'); // a is now the most recently used
    const b = await cache.use(
      'b',
      async () => ({ value: a, weightBytes: 0 }),
      (m) => m,
    );
    expect(b.name).toBe('b'); // held: the loader is not called
    await use('c'); // a was used before b: a goes
    expect(evicted).toEqual(['a']);
    expect(a.disposed).toBe(true);
    const again = await use('a');
    expect(again).not.toBe(a);
    expect(loaded).toEqual(['a', 'b', 'c', 'a']);
    expect(evicted).toEqual(['a', 'b']); // b was used before c
    expect(cache.stats()).toEqual({
      maxModels: 2,
      loaded: 2,
      weightBytes: 200,
      loads: 4,
      evictions: 2,
    });
  });

  it('never disposes a model in use: the cache goes over its limit until it is let go', async () => {
    const { cache, load } = cacheOf(1);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inUse: FakeModel | undefined;
    const first = cache.use('a', load('a'), async (model) => {
      inUse = model;
      await held;
      return model;
    });
    while (!inUse) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    const b = await cache.use('b', load('b'), (model) => {
      // Both held while both are in use: one over the limit.
      expect(cache.stats().loaded).toBe(2);
      return model;
    });
    // b was let go while a is still in use: b is the one that goes.
    expect(b.disposed).toBe(true);
    expect(inUse.disposed).toBe(false);
    expect(cache.stats()).toMatchObject({ loaded: 1, evictions: 1 });
    release();
    const a = await first;
    expect(a.disposed).toBe(false);
    expect(cache.has('a')).toBe(true);
  });

  it('loads a model once for concurrent users, and drop() disposes without counting an eviction', async () => {
    const { cache, loaded, use } = cacheOf(3);
    const [x, y] = await Promise.all([use('a'), use('a')]);
    expect(x).toBe(y);
    expect(loaded).toEqual(['a']);
    cache.drop('a');
    expect(x.disposed).toBe(true);
    expect(cache.stats()).toMatchObject({ loaded: 0, loads: 1, evictions: 0, weightBytes: 0 });
  });
});
