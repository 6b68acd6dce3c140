export type Clock = () => number;
export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const WINDOW_MS = 60_000;

/**
 * Keeps requests to at most `requestsPerMinute` in any rolling minute: `acquire()` resolves when
 * the next request may start, sleeping if the minute's budget is used. Callers queue in order, so
 * concurrent fetches cannot both take the last slot.
 */
export class RequestPacer {
  /** Start times (epoch ms) of the requests in the last minute, oldest first. */
  private readonly started: number[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly options: { requestsPerMinute: number; clock: Clock; sleep: Sleep }) {
    if (!Number.isInteger(options.requestsPerMinute) || options.requestsPerMinute < 1) {
      throw new RangeError(
        `requestsPerMinute must be a whole number >= 1, got ${options.requestsPerMinute}`,
      );
    }
  }

  /** How long (ms) a request starting now would wait. */
  get waitMs(): number {
    const now = this.options.clock();
    this.forgetOlderThan(now - WINDOW_MS);
    // The request requestsPerMinute back; none while fewer have started in the window.
    const oldest = this.started.at(-this.options.requestsPerMinute);
    return oldest === undefined ? 0 : Math.max(0, oldest + WINDOW_MS - now);
  }

  acquire(): Promise<void> {
    const turn = this.queue.then(async () => {
      let waitMs = this.waitMs;
      while (waitMs > 0) {
        await this.options.sleep(waitMs);
        waitMs = this.waitMs;
      }
      this.started.push(this.options.clock());
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private forgetOlderThan(cutoff: number): void {
    let oldest = this.started[0];
    while (oldest !== undefined && oldest <= cutoff) {
      this.started.shift();
      oldest = this.started[0];
    }
  }
}
