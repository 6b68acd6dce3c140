import { Inject, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { candleProblem, type Candle, type MarketKey } from '../candle';
import { CandleWriter } from '../candle-writer.service';
import { CandlesRepository } from '../candles.repository';
import {
  ExchangeThrottledError,
  MARKET_DATA_PROVIDER,
  type MarketDataProvider,
} from '../exchange/market-data.provider';
import { KnownGapsRepository, type TimeRange } from '../known-gaps.repository';
import { MarketCatalogue, intervalMs } from '../market-catalogue';
import { ExchangeStatusService, MAX_INLINE_WAIT_MS } from './exchange-status.service';

export interface BackfillProgress {
  /** Open time the next page starts at (epoch ms). */
  cursor: number;
  fetched: number;
  inserted: number;
  percent: number;
}

export interface BackfillOutcome {
  symbol: string;
  interval: string;
  fetched: number;
  inserted: number;
  updated: number;
  unchanged: number;
  firstOpenTime: string | null;
  lastOpenTime: string | null;
  gapsRepaired: number;
  knownGaps: number;
}

export interface RepairOutcome {
  holesFound: number;
  holesSkipped: number;
  /** Holes the exchange filled completely. */
  holesFilled: number;
  candlesInserted: number;
  knownGapsRecorded: number;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Keeps stored candles complete: pages through exchange history into `candles` (bulk upsert) and
 * repairs holes on the interval grid, recording ranges the exchange answers as empty.
 */
@Injectable()
export class CandleSyncService {
  private readonly logger = new Logger(CandleSyncService.name);

  constructor(
    private readonly candles: CandlesRepository,
    private readonly writer: CandleWriter,
    private readonly knownGaps: KnownGapsRepository,
    private readonly catalogue: MarketCatalogue,
    private readonly config: AppConfig,
    private readonly exchangeStatus: ExchangeStatusService,
    @Inject(MARKET_DATA_PROVIDER) private readonly provider: MarketDataProvider,
  ) {}

  marketKey(symbol: string, interval: string): MarketKey {
    return { exchange: this.catalogue.exchange, symbol: this.catalogue.pair(symbol), interval };
  }

  /** Open time of the newest candle that has closed by `now`. */
  lastClosedOpenTime(interval: string, now = Date.now()): number {
    const step = intervalMs(interval);
    return Math.floor(now / step) * step - step;
  }

  /** Where a routine backfill of a market starts: after its newest stored candle, else BACKFILL_FROM. */
  async resumePoint(symbol: string, interval: string): Promise<number> {
    const last = await this.candles.lastOpenTime(this.marketKey(symbol, interval));
    return last === undefined
      ? Date.parse(this.config.get('BACKFILL_FROM'))
      : last + intervalMs(interval);
  }

  /**
   * Fetches [from, to] page by page (the next page is requested while the previous one is being
   * written), then repairs holes in the range. `to` null means up to the last closed candle.
   * Throws `ExchangeThrottledError` when the exchange bans us or asks for a long pause; the
   * progress callback has the cursor to resume from.
   */
  async backfill(params: {
    symbol: string;
    interval: string;
    from: number;
    to: number | null;
    onProgress?: (progress: BackfillProgress) => Promise<void>;
  }): Promise<BackfillOutcome> {
    const { symbol, interval } = params;
    const market = this.marketKey(symbol, interval);
    const step = intervalMs(interval);
    const start = Math.ceil(params.from / step) * step;
    let end = Math.min(params.to ?? Number.MAX_SAFE_INTEGER, this.lastClosedOpenTime(interval));
    const outcome: BackfillOutcome = {
      symbol,
      interval,
      fetched: 0,
      inserted: 0,
      updated: 0,
      unchanged: 0,
      firstOpenTime: null,
      lastOpenTime: null,
      gapsRepaired: 0,
      knownGaps: 0,
    };
    if (start > end) {
      return outcome;
    }
    let cursor = start;
    const fetchFrom = (from: number) => this.fetchPatiently({ market, from, to: end });
    let pending: Promise<Candle[]> | undefined = fetchFrom(cursor);
    for (;;) {
      while (pending) {
        const page = await pending;
        pending = undefined;
        const candles = this.acceptable(market, page);
        const last = page[page.length - 1];
        if (!last) {
          break;
        }
        const next = last.openTime + step;
        if (page.length >= this.provider.maxCandlesPerRequest && next <= end) {
          pending = fetchFrom(next);
          // An error of the prefetch surfaces when it is awaited; do not let it go unhandled meanwhile.
          pending.catch(() => undefined);
        }
        const written = await this.writer.upsert(market, candles);
        outcome.fetched += page.length;
        outcome.inserted += written.inserted;
        outcome.updated += written.updated;
        outcome.unchanged += written.unchanged;
        outcome.firstOpenTime ??= iso(page[0]?.openTime ?? last.openTime);
        outcome.lastOpenTime = iso(last.openTime);
        cursor = next;
        await params.onProgress?.({
          cursor,
          fetched: outcome.fetched,
          inserted: outcome.inserted,
          percent: Math.min(
            99,
            Math.round(((cursor - start) / Math.max(step, end - start + step)) * 100),
          ),
        });
      }
      // An open-ended backfill goes on with the candles that closed while it ran: a reconnect's
      // catch-up job is dropped while this one runs (one backfill per market at a time), so the
      // candles a disconnect missed would otherwise wait for the hourly gap repair.
      const newest = this.lastClosedOpenTime(interval);
      if (params.to !== null || newest <= end) {
        break;
      }
      cursor = Math.max(cursor, end + step);
      end = newest;
      pending = fetchFrom(cursor);
    }
    if (outcome.fetched) {
      this.logger.log(
        `Backfilled ${outcome.fetched} ${market.symbol} ${interval} candles up to ${outcome.lastOpenTime} ` +
          `(${outcome.inserted} new, ${outcome.updated} changed)`,
      );
    }
    const repair = await this.repairGaps({ symbol, interval, from: start, to: end });
    outcome.gapsRepaired = repair.holesFilled;
    outcome.knownGaps = repair.knownGapsRecorded;
    return outcome;
  }

  /**
   * Finds holes between stored candles in [from, to] and fetches exactly those ranges. Whatever
   * the exchange answers as empty is recorded as a known gap; confirmed gaps and gaps not yet due
   * for a re-check are skipped unless `force`.
   */
  async repairGaps(params: {
    symbol: string;
    interval: string;
    from?: number;
    to?: number;
    force?: boolean;
  }): Promise<RepairOutcome> {
    const market = this.marketKey(params.symbol, params.interval);
    const step = intervalMs(params.interval);
    const from = params.from ?? 0;
    const to = params.to ?? this.lastClosedOpenTime(params.interval);
    const holes = await this.candles.holes({ ...market, from, to, intervalMs: step });
    const known = new Map(
      (await this.knownGaps.list(market)).map((gap) => [`${gap.from}:${gap.to}`, gap]),
    );
    const now = Date.now();
    const outcome: RepairOutcome = {
      holesFound: holes.length,
      holesSkipped: 0,
      holesFilled: 0,
      candlesInserted: 0,
      knownGapsRecorded: 0,
    };
    for (const hole of holes) {
      const gap = known.get(`${hole.from}:${hole.to}`);
      if (
        gap &&
        !params.force &&
        (gap.confirmed || (gap.nextCheckAt !== null && gap.nextCheckAt > now))
      ) {
        outcome.holesSkipped += 1;
        continue;
      }
      outcome.candlesInserted += await this.fill(market, hole);
      const stillMissing = await this.candles.holes({
        ...market,
        from: hole.from - step,
        to: hole.to + step,
        intervalMs: step,
      });
      if (!stillMissing.length) {
        outcome.holesFilled += 1;
      }
      for (const range of stillMissing) {
        const recorded = await this.knownGaps.recordEmpty({
          market,
          range,
          confirmations: this.config.get('GAP_CONFIRMATIONS'),
          recheckMs: this.config.get('GAP_RECHECK_MS'),
          now: Date.now(),
        });
        outcome.knownGapsRecorded += 1;
        this.logger.log(
          `The exchange has no ${market.symbol} ${market.interval} candles from ${iso(range.from)} to ${iso(range.to)} ` +
            `(check ${recorded.checks}${recorded.confirmed ? ', confirmed known gap' : ''})`,
        );
      }
      await this.knownGaps.forgetFilled(market, hole, stillMissing);
    }
    if (outcome.candlesInserted) {
      this.logger.log(
        `Repaired ${outcome.candlesInserted} missing ${market.symbol} ${market.interval} candle(s)`,
      );
    }
    return outcome;
  }

  /** Fetches every candle of one hole, page by page. */
  private async fill(market: MarketKey, hole: TimeRange): Promise<number> {
    let cursor = hole.from;
    let inserted = 0;
    while (cursor <= hole.to) {
      const page = await this.fetchPatiently({ market, from: cursor, to: hole.to });
      const last = page[page.length - 1];
      if (!last) {
        break;
      }
      inserted += (await this.writer.upsert(market, this.acceptable(market, page))).inserted;
      cursor = last.openTime + intervalMs(market.interval);
      if (page.length < this.provider.maxCandlesPerRequest) {
        break;
      }
    }
    return inserted;
  }

  /**
   * One page. Every 429 and 418 is shared through Redis, so no worker calls the exchange during a
   * pause another one was given (Binance answers calls made during a 429 with a ban); a short
   * pause is waited out, a ban or a long pause is thrown.
   */
  private async fetchPatiently(params: {
    market: MarketKey;
    from: number;
    to: number;
  }): Promise<Candle[]> {
    for (;;) {
      const pause = await this.exchangeStatus.current();
      const waitMs = pause ? pause.until - Date.now() : 0;
      if (pause && waitMs > 0) {
        if (pause.status === 418 || waitMs > MAX_INLINE_WAIT_MS) {
          throw new ExchangeThrottledError(pause.status, pause.until, pause.message);
        }
        this.logger.warn(`${pause.message}; waiting ${waitMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        continue;
      }
      try {
        return await this.provider.fetchCandles({
          symbol: params.market.symbol,
          interval: params.market.interval,
          from: params.from,
          to: params.to,
        });
      } catch (error) {
        if (!(error instanceof ExchangeThrottledError)) {
          throw error;
        }
        await this.exchangeStatus.report({
          status: error.status,
          until: error.retryAt,
          message: error.message,
        });
        if (error.banned || error.retryAt - Date.now() > MAX_INLINE_WAIT_MS) {
          throw error;
        }
        // The top of the loop waits it out, as every other worker reading the same pause does.
      }
    }
  }

  /** Drops candles that are not candles (bad numbers, off the grid) with one warning per page. */
  private acceptable(market: MarketKey, page: readonly Candle[]): Candle[] {
    const step = intervalMs(market.interval);
    const good = page.filter((candle) => candleProblem(candle, step) === undefined);
    if (good.length !== page.length) {
      const bad = page.find((candle) => candleProblem(candle, step) !== undefined);
      this.logger.warn(
        `Dropped ${page.length - good.length} ${market.symbol} ${market.interval} candle(s) from the exchange: ` +
          `${bad ? candleProblem(bad, step) : ''} (first at ${bad ? iso(bad.openTime) : '?'})`,
      );
    }
    return good;
  }
}
