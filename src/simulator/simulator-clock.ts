/**
 * The simulated exchange's time: `startTime` when it starts, then `speed` simulated ms per real
 * ms; a stopped clock (speed 0) moves only through `advance`.
 */
export class SimulatorClock {
  private readonly realStart = Date.now();
  private readonly simulatedStart: number;
  private manualOffsetMs = 0;

  constructor(
    readonly speed: number,
    startTime: number = Date.now(),
  ) {
    this.simulatedStart = startTime;
  }

  now(): number {
    return this.simulatedStart + this.manualOffsetMs + (Date.now() - this.realStart) * this.speed;
  }

  advance(ms: number): void {
    this.manualOffsetMs += ms;
  }
}
