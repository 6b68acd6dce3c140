/** What a loader hands the cache: the loaded model and the bytes its weights take. */
export interface LoadedEntry<T> {
  value: T;
  weightBytes: number;
}

/** The cache as `/metrics` shows it. */
export interface ModelCacheStats {
  maxModels: number;
  loaded: number;
  weightBytes: number;
  /** Loads since start (first loads and reloads after an eviction). */
  loads: number;
  /** Models dropped to stay within `maxModels` since start (not replacements or retirements). */
  evictions: number;
}

interface Entry<T> extends LoadedEntry<T> {
  /** Work using the model right now; a pinned model is never disposed under it. */
  pins: number;
  /** Dropped while pinned: disposed when the last user lets go. */
  dropped: boolean;
}

/**
 * At most `maxModels` loaded models, least recently used dropped first and disposed (their tensors
 * freed); a dropped model is loaded again on its next use. A model in use is never disposed: the
 * cache may hold more than `maxModels` for as long as every one of them is in use, and evicts as
 * soon as one is let go.
 */
export class ModelCache<T> {
  /** Map order is recency: the first entry is the least recently used. */
  private readonly entries = new Map<string, Entry<T>>();
  private readonly loading = new Map<string, Promise<Entry<T>>>();
  private loads = 0;
  private evictions = 0;

  constructor(
    private readonly params: {
      maxModels: number;
      dispose: (value: T) => void;
      onEvict?: (key: string) => void;
    },
  ) {}

  /** Runs `work` with the model under `key`, loaded by `load` unless the cache holds it. */
  async use<R>(
    key: string,
    load: () => Promise<LoadedEntry<T>>,
    work: (value: T) => Promise<R> | R,
  ): Promise<R> {
    const entry = await this.acquire(key, load);
    try {
      return await work(entry.value);
    } finally {
      entry.pins--;
      if (entry.dropped && entry.pins === 0) {
        this.params.dispose(entry.value);
      }
      this.evictOverLimit();
    }
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Drops a model that will not be used again (replaced or retired); not counted as an eviction. */
  drop(key: string): void {
    const entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key);
      this.release(entry);
    }
  }

  /** Drops every model (shutdown). */
  clear(): void {
    for (const key of [...this.entries.keys()]) {
      this.drop(key);
    }
  }

  stats(): ModelCacheStats {
    let weightBytes = 0;
    for (const entry of this.entries.values()) {
      weightBytes += entry.weightBytes;
    }
    return {
      maxModels: this.params.maxModels,
      loaded: this.entries.size,
      weightBytes,
      loads: this.loads,
      evictions: this.evictions,
    };
  }

  private async acquire(key: string, load: () => Promise<LoadedEntry<T>>): Promise<Entry<T>> {
    const held = this.entries.get(key);
    if (held) {
      this.entries.delete(key);
      this.entries.set(key, held);
      held.pins++;
      return held;
    }
    let pending = this.loading.get(key);
    if (!pending) {
      pending = load()
        .then((loaded): Entry<T> => {
          this.loads++;
          const entry: Entry<T> = { ...loaded, pins: 0, dropped: false };
          this.entries.set(key, entry);
          return entry;
        })
        .finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    const entry = await pending;
    entry.pins++;
    this.evictOverLimit();
    return entry;
  }

  private evictOverLimit(): void {
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.params.maxModels) {
        return;
      }
      if (entry.pins === 0) {
        this.entries.delete(key);
        this.evictions++;
        this.release(entry);
        this.params.onEvict?.(key);
      }
    }
  }

  private release(entry: Entry<T>): void {
    entry.dropped = true;
    if (entry.pins === 0) {
      this.params.dispose(entry.value);
    }
  }
}
