/**
 * One read of stored state shared by every caller: concurrent callers wait on the same promise,
 * and its answer is kept until it is older than `maxAgeMs` or `drop()` is called (the event that
 * changes the state). A failed read is not kept: the next call reads again.
 */
export class SharedRead<T> {
  private current?: { at: number; value: Promise<T> };

  constructor(
    private readonly read: () => Promise<T>,
    private readonly maxAgeMs = Number.POSITIVE_INFINITY,
  ) {}

  get(): Promise<T> {
    if (!this.current || Date.now() - this.current.at > this.maxAgeMs) {
      const value = this.read();
      const current = { at: Date.now(), value };
      this.current = current;
      value.catch(() => {
        if (this.current === current) {
          this.current = undefined;
        }
      });
    }
    return this.current.value;
  }

  /** The next call reads again; callers already waiting keep the answer they asked for. */
  drop(): void {
    this.current = undefined;
  }
}
