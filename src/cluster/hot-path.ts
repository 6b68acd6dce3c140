import { Injectable } from '@nestjs/common';

/**
 * The live path's priority over background work in one process. The closing burst (candle
 * stored, indicators, forecast, signal, webhook fan-out) runs its work through `run`; training
 * batches, search trials and backfills wait on `idle()` between steps, so a burst never queues
 * behind them in this event loop. Background work still gets every moment the live path leaves.
 */
@Injectable()
export class HotPath {
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  /** How often background work yielded to the live path, and for how long in total (metrics). */
  yields = 0;
  yieldedMs = 0;

  snapshot(): { yields: number; yieldedMs: number } {
    return { yields: this.yields, yieldedMs: Math.round(this.yieldedMs) };
  }

  get busy(): boolean {
    return this.inFlight > 0;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) {
        // Wake background work on the next turn: live work queued behind this one goes first.
        setImmediate(() => {
          if (this.inFlight === 0) {
            const waiters = this.waiters;
            this.waiters = [];
            waiters.forEach((wake) => wake());
          }
        });
      }
    }
  }

  /** Resolves at once when no live work is in flight, else when the last of it is done. */
  idle(): Promise<void> {
    if (this.inFlight === 0) {
      return Promise.resolve();
    }
    const started = performance.now();
    this.yields++;
    return new Promise((resolve) =>
      this.waiters.push(() => {
        this.yieldedMs += performance.now() - started;
        resolve();
      }),
    );
  }
}
