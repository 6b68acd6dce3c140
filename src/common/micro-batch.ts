/**
 * Collects calls made in the same turn of the event loop into one batch call (DataLoader-style):
 * fifty concurrent jobs each reading or writing one row make one round trip, not fifty. Each
 * caller still gets its own result, or the batch's error.
 */
export class MicroBatch<I, O> {
  private pending: { input: I; resolve: (output: O) => void; reject: (error: unknown) => void }[] =
    [];
  private scheduled = false;

  constructor(
    /** Runs one batch; returns one output per input, in order. */
    private readonly run: (inputs: I[]) => Promise<O[]>,
    private readonly maxSize = 200,
  ) {}

  add(input: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      if (this.pending.length >= this.maxSize) {
        this.flush();
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    if (!batch.length) {
      return;
    }
    this.pending = [];
    this.run(batch.map((entry) => entry.input)).then(
      (outputs) => batch.forEach((entry, i) => entry.resolve(outputs[i]!)),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
  }
}
