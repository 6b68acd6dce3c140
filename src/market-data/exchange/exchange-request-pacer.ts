import { Logger } from '@nestjs/common';
import { ExchangeThrottledError } from './market-data.provider';

/** Binance's request-weight limit: `limit` per window, reported in the `header` of every answer. */
export interface WeightBudget {
  limit: number;
  windowMs: number;
  /** `x-mbx-used-weight-1m`: the used weight of the current window. */
  header: string;
}

/** Request weights of the Binance endpoints this provider calls (api/v3). */
export const BINANCE_WEIGHTS = {
  exchangeInfo: 20,
  /** `ticker/24hr` without a symbol. */
  ticker24hAll: 80,
  /** `klines`, any limit up to 1000. */
  klines: 2,
};

const WINDOW_UNIT_MS: Record<string, { ms: number; letter: string }> = {
  SECOND: { ms: 1000, letter: 's' },
  MINUTE: { ms: 60_000, letter: 'm' },
  HOUR: { ms: 3_600_000, letter: 'h' },
  DAY: { ms: 86_400_000, letter: 'd' },
};

/** The REQUEST_WEIGHT entry of Binance's `exchangeInfo.rateLimits`, as a budget. */
export function weightBudgetOf(rateLimits: unknown): WeightBudget | undefined {
  if (!Array.isArray(rateLimits)) {
    return undefined;
  }
  for (const entry of rateLimits as Record<string, unknown>[]) {
    const unit = WINDOW_UNIT_MS[String(entry.interval)];
    const count = Number(entry.intervalNum);
    const limit = Number(entry.limit);
    if (
      entry.rateLimitType === 'REQUEST_WEIGHT' &&
      unit &&
      Number.isInteger(count) &&
      count > 0 &&
      Number.isFinite(limit) &&
      limit > 0
    ) {
      return {
        limit,
        windowMs: unit.ms * count,
        header: `x-mbx-used-weight-${count}${unit.letter}`,
      };
    }
  }
  return undefined;
}

/** Pause when this share of the minute's weight budget is used. */
const WEIGHT_HEADROOM = 0.9;
const DEFAULT_RETRY_AFTER_MS = 60_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function headerValue(headers: Record<string, unknown>, name: string): string | undefined {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return typeof value === 'string' ? value : Array.isArray(value) ? String(value[0]) : undefined;
}

/**
 * Paces one exchange's REST requests. On any exchange, a 429 or 418 answer holds every request
 * back until the time the exchange asked for. On Binance (`weighted`), requests also stay within
 * the request-weight budget (read once from `exchangeInfo`, unless given), by the used weight each
 * answer reports.
 */
export class ExchangeRequestPacer {
  private readonly logger = new Logger(ExchangeRequestPacer.name);
  /** Shared by every request: nobody calls the exchange before this time. */
  private pause?: ExchangeThrottledError;
  private budget: WeightBudget;
  /** Set once the budget was read from `exchangeInfo` (or given by the options). */
  private budgetKnown?: Promise<void>;
  /** Used weight the exchange last reported, and the budget window that report belongs to. */
  private usedWeight = 0;
  private usedWeightWindow = -1;
  /** Requests sent and not answered yet, and their weight. */
  private inFlightRequests = 0;
  private inFlightWeight = 0;

  constructor(
    private readonly options: {
      /** The exchange's name, for log lines and errors. */
      exchangeName: string;
      /** Binance: pace by request weight, not only by the pauses the exchange asks for. */
      weighted: boolean;
      /** A budget per minute instead of the one `exchangeInfo` reports. */
      weightLimitPerMinute?: number;
      clock: () => number;
    },
  ) {
    this.budget = {
      limit: options.weightLimitPerMinute ?? 6000,
      windowMs: 60_000,
      header: 'x-mbx-used-weight-1m',
    };
    if (options.weightLimitPerMinute !== undefined) {
      this.budgetKnown = Promise.resolve();
    }
  }

  /** Epoch ms until which the exchange asked us to stay away (0 when free to call). */
  get blockedUntil(): number {
    return this.pause && this.pause.retryAt > this.options.clock() ? this.pause.retryAt : 0;
  }

  /** Records used weight and, on 429 / 418, the pause the exchange asked for. */
  observeResponse(status: number, headers: Record<string, unknown>): void {
    const now = this.options.clock();
    const weight = Number(headerValue(headers, this.budget.header));
    if (Number.isFinite(weight)) {
      // Rate-limit windows run on the wall clock, whatever clock decides which candles closed.
      const window = Math.floor(Date.now() / this.budget.windowMs);
      // Answers can arrive out of order within a window; the largest count is the newest.
      this.usedWeight =
        window === this.usedWeightWindow ? Math.max(this.usedWeight, weight) : weight;
      this.usedWeightWindow = window;
    }
    if (status === 429 || status === 418) {
      const seconds = Number(headerValue(headers, 'retry-after'));
      const waitMs =
        Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : DEFAULT_RETRY_AFTER_MS;
      const retryAt = Math.max(this.blockedUntil, now + waitMs);
      this.pause = new ExchangeThrottledError(
        status,
        retryAt,
        status === 418
          ? `${this.options.exchangeName} banned this IP until ${new Date(retryAt).toISOString()} (HTTP 418)`
          : `${this.options.exchangeName} rate limit hit (HTTP 429); retry after ${new Date(retryAt).toISOString()}`,
      );
      throw this.pause;
    }
  }

  /**
   * Reads the weight budget from `exchangeInfo` once (`readExchangeInfo`: a one-symbol answer),
   * before the first klines.
   */
  async learnBudget(readExchangeInfo: () => Promise<{ rateLimits?: unknown }>): Promise<void> {
    this.budgetKnown ??= this.paced(BINANCE_WEIGHTS.exchangeInfo, readExchangeInfo).then(
      (info) => this.useBudget(info.rateLimits),
      (error: unknown) => {
        this.budgetKnown = undefined;
        if (error instanceof ExchangeThrottledError) {
          throw error;
        }
        this.logger.warn(
          `Could not read ${this.options.exchangeName}'s rate limits (${(error as Error).message}); assuming ${this.budget.limit} request weight a minute`,
        );
        this.budgetKnown = Promise.resolve();
      },
    );
    await this.budgetKnown;
  }

  /** Takes the budget Binance's `exchangeInfo.rateLimits` name, unless one was given. */
  useBudget(rateLimits: unknown): void {
    const budget = weightBudgetOf(rateLimits);
    if (budget && this.options.weightLimitPerMinute === undefined) {
      if (budget.header !== this.budget.header || budget.limit !== this.budget.limit) {
        this.logger.log(
          `${this.options.exchangeName} allows ${budget.limit} request weight per ${budget.windowMs / 1000} s`,
        );
      }
      this.budget = budget;
      this.budgetKnown = Promise.resolve();
    }
  }

  /**
   * Runs one request within the weight budget: waits out a pause the exchange asked for (by
   * throwing it), and waits for the next window while the weight the exchange reported plus the
   * weight in flight would pass 90% of the budget. Until an answer of the current window reports
   * its used weight (other processes on this IP spend it too), one request at a time.
   */
  async paced<T>(weight: number, call: () => Promise<T>): Promise<T> {
    let warnedWindow = -1;
    for (;;) {
      if (this.pause && this.pause.retryAt > this.options.clock()) {
        throw this.pause;
      }
      if (!this.options.weighted) {
        break;
      }
      const now = Date.now();
      const { limit, windowMs } = this.budget;
      const window = Math.floor(now / windowMs);
      const known = this.usedWeightWindow === window;
      const used = known ? this.usedWeight : 0;
      const idle = this.inFlightRequests === 0;
      const fits =
        used + this.inFlightWeight + weight <= limit * WEIGHT_HEADROOM || (idle && used === 0);
      if (fits && (known || idle)) {
        break;
      }
      if (fits) {
        await sleep(10);
        continue;
      }
      const waitMs = (window + 1) * windowMs - now + 50;
      if (warnedWindow !== window && idle) {
        warnedWindow = window;
        this.logger.log(
          `Used ${used} of ${limit} request weight this window; pausing ${Math.round(waitMs)} ms`,
        );
      }
      await sleep(Math.min(waitMs, idle ? waitMs : 50));
    }
    this.inFlightRequests += 1;
    this.inFlightWeight += weight;
    try {
      return await call();
    } finally {
      this.inFlightRequests -= 1;
      this.inFlightWeight -= weight;
    }
  }
}
