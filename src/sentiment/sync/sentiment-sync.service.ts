import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { MarketCatalogue } from '../../market-data/market-catalogue';
import { JobName, type SentimentPollResult } from '../../queue/queue.catalogue';
import { QueueService } from '../../queue/queue.service';
import { SentimentPointsRepository } from '../sentiment-points.repository';
import { SentimentSources } from '../sentiment-sources';
import {
  DAY_MS,
  MARKET_SYMBOL,
  SentimentAuthError,
  SentimentThrottledError,
  rangeChunks,
  type SentimentPoint,
  type SentimentSource,
  type SentimentSourceName,
} from '../sources/sentiment.source';

/** A 429 whose Retry-After is at most this long is waited out in the job; longer ones park it. */
const MAX_INLINE_WAIT_MS = 120_000;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Keeps every sentiment series current: each poll fetches a source from its last stored point (or
 * `SENTIMENT_BACKFILL_DAYS` of history when none is stored) up to now, in as few requests as the
 * source allows, and upserts what it gets. A refused key disables the source (one error line, no
 * retry loop) until the config changes; a malformed response stores nothing and fails the attempt.
 */
@Injectable()
export class SentimentSyncService implements OnApplicationBootstrap {
  private readonly logger = new Logger(SentimentSyncService.name);

  constructor(
    private readonly sources: SentimentSources,
    private readonly points: SentimentPointsRepository,
    private readonly catalogue: MarketCatalogue,
    private readonly queues: QueueService,
    private readonly config: AppConfig,
  ) {}

  /** At worker start: say which sources are on, forget refusals of an older key, fetch history. */
  async onApplicationBootstrap(): Promise<void> {
    this.sources.logConfiguration();
    for (const source of this.sources.all) {
      const name = source.getName();
      if ((await this.sources.state(name)).disabledReason) {
        await this.sources.updateState(name, { disabledReason: undefined });
      }
      if (source.isEnabled().enabled) {
        await this.queues
          .enqueue({
            name: JobName.SentimentPoll,
            payload: { source: name },
            exclusiveKey: `start-${name}`,
          })
          .catch((error: Error) =>
            this.logger.warn(
              `Could not enqueue the first ${name} sentiment poll: ${error.message}`,
            ),
          );
      }
    }
  }

  async poll(params: {
    source: SentimentSourceName;
    onProgress?: (progress: { symbol: string; done: number; total: number }) => Promise<void>;
  }): Promise<SentimentPollResult> {
    const source = this.sources.get(params.source);
    const result: SentimentPollResult = { source: params.source, skipped: null, series: [] };
    const status = source.isEnabled();
    if (!status.enabled) {
      return { ...result, skipped: status.reason };
    }
    const state = await this.sources.state(params.source);
    if (state.disabledReason) {
      return { ...result, skipped: state.disabledReason };
    }
    // Paused by the source (HTTP 429) in another worker too: calling it meanwhile would spend the
    // quota and can turn into a ban. The next scheduled poll goes on from where it stopped.
    if (state.pausedUntil !== undefined && state.pausedUntil > Date.now()) {
      return {
        ...result,
        skipped: `${params.source} asked for a pause until ${new Date(state.pausedUntil).toISOString()} (HTTP 429)`,
      };
    }
    const symbols = source.scope === 'market' ? [MARKET_SYMBOL] : [...this.catalogue.bases];
    try {
      for (const [index, symbol] of symbols.entries()) {
        result.series.push(await this.pollSeries(source, symbol));
        await params.onProgress?.({ symbol, done: index + 1, total: symbols.length });
      }
    } catch (error) {
      if (error instanceof SentimentAuthError) {
        const reason = `${error.message} (check LUNARCRUSH_API_KEY; polling stops until the service restarts with a new key)`;
        this.logger.error(`Sentiment source ${params.source} disabled: ${reason}`);
        await this.sources.updateState(params.source, {
          disabledReason: reason,
          lastError: error.message,
        });
        return { ...result, skipped: reason };
      }
      await this.sources.updateState(params.source, { lastError: (error as Error).message });
      throw error;
    }
    await this.sources.updateState(params.source, {
      lastPolledAt: Date.now(),
      lastError: undefined,
      pausedUntil: undefined,
    });
    return result;
  }

  private async pollSeries(
    source: SentimentSource,
    symbol: string,
  ): Promise<SentimentPollResult['series'][number]> {
    const name = source.getName();
    const step = source.granularityMs;
    const latest = await this.points.latest(name, symbol);
    const historyStart = Date.now() - this.config.get('SENTIMENT_BACKFILL_DAYS') * DAY_MS;
    const from = latest ? latest.time + step : Math.floor(historyStart / step) * step;
    const to = Date.now();
    const outcome = {
      symbol,
      from: null as string | null,
      to: null as string | null,
      fetched: 0,
      inserted: 0,
      updated: 0,
    };
    for (const chunk of rangeChunks(source, { from, to })) {
      const points = await this.fetchPatiently(source, { symbol, ...chunk });
      const written = await this.points.upsert(points);
      outcome.fetched += points.length;
      outcome.inserted += written.inserted;
      outcome.updated += written.updated;
      const first = points[0];
      const last = points[points.length - 1];
      if (first && last) {
        outcome.from ??= new Date(first.time).toISOString();
        outcome.to = new Date(last.time).toISOString();
      }
    }
    if (outcome.fetched) {
      this.logger.log(
        `Stored ${outcome.fetched} ${name} sentiment points of ${symbol} from ${outcome.from} to ${outcome.to} (${outcome.inserted} new)`,
      );
    }
    return outcome;
  }

  /** Waits out short 429 pauses (the source reports when it may be called again). */
  private async fetchPatiently(
    source: SentimentSource,
    params: { symbol: string; from: number; to: number },
  ): Promise<SentimentPoint[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await source.fetchRange(params);
      } catch (error) {
        if (!(error instanceof SentimentThrottledError)) {
          throw error;
        }
        const waitMs = error.retryAt - Date.now();
        await this.sources.updateState(source.getName(), {
          pausedUntil: error.retryAt,
          lastError: error.message,
        });
        if (waitMs > MAX_INLINE_WAIT_MS || attempt >= 3) {
          throw error;
        }
        this.logger.warn(
          `${source.getName()} asked us to wait ${Math.max(0, waitMs)} ms (HTTP 429); waiting`,
        );
        await sleep(Math.max(0, waitMs) + 50);
      }
    }
  }
}
