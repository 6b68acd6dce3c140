import { symbolsParam } from './binance-wire-format';

/** Binance's REST limits as the simulator enforces them (see ExchangeSimulatorOptions). */
export interface RequestWeightOptions {
  /** Binance's request-weight budget per minute; beyond it 429, and 418 after repeated 429s. */
  weightLimitPerMinute?: number;
  /**
   * Length of the weight window in seconds (default 60: Binance's minute). With another length
   * `weightLimitPerMinute` applies per window, `exchangeInfo` reports the window
   * (`{interval: 'SECOND', intervalNum}`) and the header is named after it
   * (`x-mbx-used-weight-5s`): tests of pacing need not wait for a minute to pass.
   */
  weightWindowSeconds?: number;
  /** 429s within one minute after which the IP is banned (418) for `banMs`. */
  banAfter429s?: number;
  banMs?: number;
}

/** A refusal of a REST request: an injected fault, a ban, or the weight budget running out. */
export interface Refusal {
  status: 429 | 418 | 500;
  retryAfterSec: number;
}

const WEIGHTS: Record<string, number> = {
  '/api/v3/ping': 1,
  '/api/v3/time': 1,
  '/api/v3/exchangeInfo': 20,
  '/api/v3/klines': 2,
};

/** Weight of `ticker/24hr`: by how many symbols it asks for (all of them without `symbol(s)`). */
function tickerWeight(params: URLSearchParams): number {
  if (params.has('symbol')) {
    return 2;
  }
  const count = symbolsParam(params)?.length;
  return count === undefined || count > 100 ? 80 : count > 20 ? 40 : 2;
}

/**
 * The used weight of each window, as Binance counts it (refused requests included), the 429s past
 * the budget and the ban (418) after too many of them, and faults injected by tests (`failNext`).
 */
export class RequestWeight {
  /** The highest used weight any window reached, refused requests included. */
  maxUsedWeight = 0;
  /** Requests refused with 429 or 418 because the weight budget ran out. */
  weightRefusals = 0;
  private failure?: Refusal & { remaining: number };
  private weightMinute = 0;
  private weight = 0;
  private throttledInMinute = 0;
  private bannedUntil = 0;

  constructor(private readonly options: RequestWeightOptions) {}

  /** The next `count` requests (pings excepted) get this fault. */
  failNext(failure: { status: 429 | 418 | 500; count: number; retryAfterSec: number }): void {
    this.failure = {
      status: failure.status,
      remaining: failure.count,
      retryAfterSec: failure.retryAfterSec,
    };
  }

  /** Counts a request's weight in the current window; returns the window's used weight. */
  count(url: URL): number {
    const window = Math.floor(Date.now() / this.windowMs);
    if (window !== this.weightMinute) {
      this.weightMinute = window;
      this.weight = 0;
      this.throttledInMinute = 0;
    }
    this.weight +=
      url.pathname === '/api/v3/ticker/24hr'
        ? tickerWeight(url.searchParams)
        : (WEIGHTS[url.pathname] ?? 1);
    this.maxUsedWeight = Math.max(this.maxUsedWeight, this.weight);
    return this.weight;
  }

  /** An injected fault, a ban, or the weight budget running out (429, then 418 if the client keeps going). */
  refusal(pathname: string): Refusal | undefined {
    const now = Date.now();
    if (this.failure && this.failure.remaining > 0 && pathname !== '/api/v3/ping') {
      this.failure.remaining -= 1;
      return { status: this.failure.status, retryAfterSec: this.failure.retryAfterSec };
    }
    if (this.bannedUntil > now) {
      return { status: 418, retryAfterSec: Math.ceil((this.bannedUntil - now) / 1000) };
    }
    const limit = this.options.weightLimitPerMinute;
    if (limit !== undefined && this.weight > limit) {
      this.weightRefusals += 1;
      this.throttledInMinute += 1;
      if (this.throttledInMinute > (this.options.banAfter429s ?? 5)) {
        this.bannedUntil = now + (this.options.banMs ?? 120_000);
        return { status: 418, retryAfterSec: Math.ceil((this.bannedUntil - now) / 1000) };
      }
      return {
        status: 429,
        retryAfterSec: Math.ceil(((this.weightMinute + 1) * this.windowMs - now) / 1000),
      };
    }
    return undefined;
  }

  /** The budget of each window (`weightLimitPerMinute`), if any. */
  get limitPerWindow(): number | undefined {
    return this.options.weightLimitPerMinute;
  }

  /** The window as Binance names it in `rateLimits` and in the used-weight header. */
  get window(): { interval: 'SECOND' | 'MINUTE'; intervalNum: number } {
    const seconds = this.options.weightWindowSeconds ?? 60;
    return seconds % 60 === 0
      ? { interval: 'MINUTE', intervalNum: seconds / 60 }
      : { interval: 'SECOND', intervalNum: seconds };
  }

  /** `x-mbx-used-weight-1m`, or as the window is named. */
  get header(): string {
    const { interval, intervalNum } = this.window;
    return `x-mbx-used-weight-${intervalNum}${interval === 'MINUTE' ? 'm' : 's'}`;
  }

  private get windowMs(): number {
    return (this.options.weightWindowSeconds ?? 60) * 1000;
  }
}
